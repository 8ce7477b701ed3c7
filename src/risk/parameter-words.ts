/**
 * Parameter names and descriptions that move a risk: code, force flags, paths, amounts, recipients, secrets,
 * and the enum of operations a many-purpose tool offers. Data only.
 */
import { wordSet } from './nouns.js';

/** Parameter names (their last word, or the whole name) that carry code or a command the tool runs. */
export const CODE_PARAMETER_WORDS = wordSet(
  `command commands cmd shell script code sql javascript js python bash powershell snippet program gcode eval`,
);

/** Words in front of `code` that mean it is not code to run (`country_code`, `status_code`). */
export const NOT_CODE_QUALIFIERS = wordSet(
  `country status zip postal auth authorization verification error currency language lang promo coupon discount color colour area access otp invite invitation short exit response http iso region locale product item sku bar qr reason tax airport station stock ticker state city referral security pin one time confirmation device pairing activation recovery mfa totp language shortcode`,
);

/** Words in a parameter's description that say its text is run. */
export const RUNS_TEXT =
  /\b(?:sql|javascript|js|python|shell|bash|node|ruby|lua|php|powershell|code|script|command|commands|expression|function|snippet|statement|query language)\b[^.]{0,60}\b(?:to |will be |is |be )?(?:run|runs|executed?|evaluated?|interpreted|send to the process)\b|\b(?:sql|javascript|js|python|shell|bash) (?:query|code|statement|script|function|expression|command)\b|\bcode\/command\b/i;

/** Boolean flags that make a call do more than it would by default. */
export const FORCE_FLAG_WORDS =
  wordSet(`force recursive recursively overwrite purge cascade permanent permanently hard wipe
  drop dangerous unsafe insecure`);

/** Parameter names that hold a filesystem path. */
export const PATH_PARAMETER_WORDS = wordSet(`path paths filepath dir directory folder destination dest`);

/** Parameter names that hold an amount of money, when the definition also speaks of a currency. */
export const AMOUNT_PARAMETER_WORDS = wordSet(`amount price cost total fee cents budget payment`);

/** Parameter names that hold an amount of money, when the definition also speaks of a currency. */
export const CURRENCY_WORDS =
  /\b(?:currency|currencies|cents?|usd|eur|gbp|jpy|dollars?|euros?|sats|satoshis?|lamports|wei|smallest currency unit|minor units?|iso 4217|money)\b|[$€£¥]/i;

/** Parameter names of a message's recipient. */
export const RECIPIENT_PARAMETER_WORDS = wordSet(`to recipient recipients cc bcc email emails phone mobile msisdn`);

/** Parameter names that hold a secret. */
export const SECRET_PARAMETER_WORDS = wordSet(
  `password passphrase secret token apikey credential credentials cookie cookies privatekey mnemonic seed`,
);

/** Parameters whose enum lists the operations a many-purpose tool can do ("method": ["create", "delete"]). */
export const OPERATION_PARAMETER_WORDS = wordSet(`method mode action operation op command subcommand verb`);

/**
 * Nouns by what they tell about a tool: the classes that change what a verb means (`close` a session vs an
 * issue, `create` a refund vs a price) and the classes that move a risk (personal records in bulk, secrets,
 * infrastructure, whole databases). Data only.
 */

/** A frozen set from a space-separated list: the lists stay readable as prose. */
export function wordSet(list: string): ReadonlySet<string> {
  return Object.freeze(new Set(list.trim().split(/\s+/)));
}

export type NounClass =
  /** Money moving: a refund, a payment, a transfer, a trade. */
  | 'payment'
  /** What someone is billed later: a subscription, leverage. */
  | 'billing'
  | 'invoice'
  /** Commerce records that move no money by themselves: prices, coupons, orders awaiting the buyer. */
  | 'commerce'
  | 'session'
  | 'process'
  | 'recording'
  /** A web page's parts, which a browser tool acts on. */
  | 'interface'
  | 'work-item'
  /** Things attached to others, which removing detaches rather than destroys: labels, members, reactions. */
  | 'membership'
  /** Where such things are attached: `remove X from <a list>`. */
  | 'container'
  | 'numbers'
  | 'settings'
  /** The server's own logging and caches: changing them changes no data. */
  | 'diagnostics'
  /** What a reset or format wipes whole. */
  | 'volume'
  | 'code'
  /** What a request for "status" or "details" asks for. */
  | 'information'
  /** Searches and crawls: starting one reads. */
  | 'inquiry'
  /** A server's own tools, methods and prompts: listing them is help, not reading data. */
  | 'help'
  | 'time';

/** Nouns by class, singular; plurals are found by stripping `s`, `es`, `ies`. A noun may be in several classes. */
export const NOUNS: Readonly<Record<NounClass, ReadonlySet<string>>> = Object.freeze({
  payment: wordSet(`refund payment payout transfer charge withdrawal deposit purchase fund money cash claim
    spending allowance contract trade swap tip donation crypto bitcoin btc eth usdc sats nft erc20 erc1155 lamports
    position transaction intent paymentintent loan payroll salary wage`),
  billing: wordSet(`subscription billing leverage margin autopay mandate`),
  invoice: wordSet(`invoice`),
  commerce: wordSet(`price pricing coupon discount product order shipment tracking dispute cart checkout quote
    receipt catalog catalogue plan sku fee`),
  session: wordSet(`session connection socket browser window editor context dashboard viewer tab conn mqtt websocket
    tunnel interact port`),
  process: wordSet(`job run build workflow pipeline deployment task process container instance service server
    print crawl agent invocation operation execution vm machine pod cluster lambda migration monitor daemon worker`),
  recording: wordSet(`recording trace tracing video screencast timer stopwatch capture profiling`),
  interface: wordSet(`element button option dropdown menu field form checkbox mouse cursor pointer key keyboard tab
    window viewport dialog popup alert browser screen coordinate position back forward scrollbar iframe frame
    selector locator url`),
  'work-item': wordSet(`issue pr ticket bug card discussion thread incident milestone epic story todo conversation
    case poll alert question`),
  membership: wordSet(`member label tag assignee reviewer collaborator participant reaction star bookmark highlight
    overlay filter permission role watcher subscriber follower relationship relation dependency link association
    favorite guest attendee emoji mention blocker remote alias upstream type field value property attribute`),
  container: wordSet(`list group team channel project cart queue watchlist favorites playlist proxy
    board org organization issue pr thread conversation role selection index staging album chat allowlist
    whitelist blocklist blacklist parent milestone sprint epic view registry catalog workspace meeting`),
  numbers: wordSet(`numbers integer integers two numeric sum`),
  settings: wordSet(`setting config configuration preference cache highlight selection filter screen console
    context form input field timer badge notification flag override password state status working counter
    variable env environment`),
  diagnostics: wordSet(`cache logging debug verbosity simulated simulation telemetry diagnostic diagnostics`),
  volume: wordSet(`disk drive volume partition database db hard everything factory all table`),
  code: wordSet(`command code script shell sql javascript js python gcode snippet program bash terminal query cli`),
  information: wordSet(`status info information details detail data report result metrics stats summary update
    push snapshot state`),
  inquiry: wordSet(`search scan lookup crawl poll watch research query find`),
  help: wordSet(`tool method prompt help onboarding capability`),
  time: wordSet(`time date timestamp week month year day timezone duration hour minute second epoch`),
});

/** Nouns that say what a tool reads when its name has no verb (`gateway.health`, `monitor_status`). */
export const READ_NOUNS = wordSet(`status info information health version stats statistics metrics details detail
  summary schema usage logs history profile whoami me overview report result results docs documentation definition
  mapping`);

/**
 * Nouns that, last in a name after a verb, make the name ask about the verb's work rather than do it:
 * `provision_status`, `build_logs`, `tasks_result`.
 */
export const STATUS_NOUNS = wordSet(`status statuses logs log result results history progress info details state
  output report`);

/** Verbs that change a status rather than ask for it (`update_status`, `set_state`). */
export const STATUS_SETTERS = wordSet(`set update change clear reset post edit modify mark toggle put patch write
  save delete remove purge record log append add create submit publish send report`);

/**
 * Records whose listing in bulk exposes people or money: customers, users, messages, invoices, transactions.
 * One record is an ordinary read; all of them are personal or financial data in bulk.
 */
export const PRIVATE_RECORDS = wordSet(`customer user member invoice payment subscription dispute transaction sale
  insight revenue message history conversation reply email contact chat dm payout charge refund employee patient`);

/** Words after a private record's noun that make it a catalogue entry rather than the records themselves. */
export const NOT_PRIVATE_AFTER = wordSet(`plan plans detail details info type types template templates setting
  settings category categories field fields tier tiers account accounts method methods link links profile`);

/** Words before `users` or `messages` that make them the system's, not people's (`db users`, `console messages`). */
export const NOT_PRIVATE_BEFORE = wordSet(`db database console log error commit status system validation`);

/** What a read exposes when it reads secrets. */
export const SECRETS = wordSet(`env environment secret secrets credential credentials password passwords cookie
  cookies header headers apikey proxy keychain`);

/** Things whose creation is harmless: empty containers, reactions, ratings. */
export const HARMLESS = wordSet(`directory directories folder folders dir dirs branch branches collection collections
  reaction reactions emoji emojis feedback rating ratings`);

/** Things whose creation or change alters who can do what. */
export const SECURITY = wordSet(`access acl permission permissions role roles user users credential credentials
  password token tokens webhook webhooks proxy firewall allowlist whitelist rbac policy policies secret secrets
  certificate certificates config configuration sudo admin`);

/** Running infrastructure, whose changes take services down or start billing. */
export const INFRASTRUCTURE = wordSet(`cluster clusters node nodes deployment deployments release releases chart
  charts workload workloads replica replicas resource resources manifest helm instance instances vm vms
  statefulset daemonset replicaset container containers service services production`);

/** Whole stores: deleting one deletes everything in it. */
export const BROAD_TARGETS = wordSet(`database databases db collection collections table tables channel channels
  namespace namespaces cluster clusters workspace workspaces organization org account accounts repository
  repositories repo schema keyspace release`);

/** Words that make a deletion broad: "all documents", `delete_many`. */
export const QUANTIFIERS = wordSet(`all every many entire whole everything bulk`);

/** Things whose deletion loses little or can be undone: an index, a tag, a session, the trash. */
export const LITTLE_LOSS = wordSet(`index indexes tag tags session sessions terminal category categories cache trash
  archive draft drafts reaction reactions highlight alias label labels`);

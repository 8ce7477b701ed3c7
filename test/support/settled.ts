/**
 * Whether `promise` has settled once everything already due on the event loop has run: for tests of work that must
 * wait on a timer (for a lock, say) while the thread goes on. A promise still pending here is pending for a reason
 * outside this process's event loop, not because of how fast the machine is.
 */
export async function hasSettled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let turn = 0; turn < 5; turn++) await new Promise((resume) => setImmediate(resume));
  return done;
}

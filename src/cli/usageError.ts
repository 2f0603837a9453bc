/** A command-line call that cannot be carried out as written: exit code 2, with the usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

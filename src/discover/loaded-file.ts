/** A candidate migration file, read (or not) from disk. */
export interface LoadedFile {
  /** File name inside the directory. */
  name: string;
  absPath: string;
  /** UTF-8 text (byte order mark removed), or null when the file could not be used. */
  text: string | null;
  /** Why `text` is null. */
  problem: { line: number | null; message: string } | null;
  /** Set when the file's real path leaves the repository (then it was not read). */
  outside?: true;
}

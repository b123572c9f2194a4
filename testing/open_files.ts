/**
 * The process's open file descriptors (Linux `/proc/self/fd`), for tests that check nothing
 * leaks: how many there are, and which of them are files under a directory.
 *
 * @module
 */

const FD_DIR = "/proc/self/fd";

/** How many descriptors the process has open (the one used to list them excluded). */
export function openDescriptorCount(): number {
  // Reading the directory opens one descriptor, which the listing includes.
  return [...Deno.readDirSync(FD_DIR)].length - 1;
}

/** The paths of open descriptors that are files under `dir` (after resolving symlinks). */
export function openFilesUnder(dir: string): string[] {
  const root = Deno.realPathSync(dir).replace(/\/?$/, "/");
  const paths: string[] = [];
  for (const entry of Deno.readDirSync(FD_DIR)) {
    let target: string;
    try {
      target = Deno.readLinkSync(`${FD_DIR}/${entry.name}`);
    } catch {
      continue; // closed while listing (the listing's own descriptor)
    }
    if (target.startsWith(root)) paths.push(target);
  }
  return paths;
}

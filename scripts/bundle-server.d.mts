/** Bundles `entry` (relative to the project root) into `outfile`; resolves to the output path. */
export function bundleServer(entry?: string, outfile?: string): Promise<string>;

/**
 * Bundles `entry` (relative to the project root) into `outfile`, by default its own path under
 * dist/ (server.ts → dist/server.mjs); resolves to the output path.
 */
export function bundleServer(entry?: string, outfile?: string): Promise<string>;

import { join } from 'node:path';

/**
 * The node arguments that run `<dir>/<name>.mts` in a child process. Bundling it with esbuild
 * (installed with tsx) makes children start ~10x faster than through a TypeScript loader, which
 * keeps the many crash and lock runs quick; without esbuild it falls back to `--import tsx`.
 */
export async function childScriptArgs(dir: string, name: string): Promise<string[]> {
  const source = join(dir, `${name}.mts`);
  try {
    const esbuild = (await import('esbuild')) as { build(options: Record<string, unknown>): Promise<unknown> };
    await esbuild.build({
      entryPoints: [source],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['hnswlib-node'],
      outfile: join(dir, `${name}.mjs`),
      logLevel: 'silent',
    });
    return [join(dir, `${name}.mjs`)];
  } catch {
    return ['--import', 'tsx', source];
  }
}

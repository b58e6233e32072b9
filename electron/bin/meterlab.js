#!/usr/bin/env node
// The `meterlab` command (package.json "bin"): runs electron/cli.ts through tsx, so it works right
// after npm install, with no build step.
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('../cli.ts', import.meta.url);
// exitCode rather than exit(): piped output is flushed before the process ends.
// The real streams: progress bars show when stderr is a terminal.
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
});

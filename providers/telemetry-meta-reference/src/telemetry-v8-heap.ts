import { setFlagsFromString } from 'node:v8';

/** V8's flag, either form, with dashes or underscores, as node's command line or NODE_OPTIONS may give it. */
const PRETENURING_FLAG = /(?:^|\s)--(?:no-)?allocation[-_]site[-_]pretenuring(?:=\S*)?(?=\s|$)/;

/**
 * Whether the process was started with V8's `--[no-]allocation-site-pretenuring` (on node's
 * command line or in NODE_OPTIONS): the operator chose, and tracing leaves it as it is.
 */
export function pretenuringChosenAtStart(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): boolean {
  return execArgv.some((argument) => PRETENURING_FLAG.test(argument)) || PRETENURING_FLAG.test(nodeOptions);
}

/**
 * Turns V8's allocation-site pretenuring off for a server that traces, unless the operator set the
 * flag at start. Why: a traced server keeps its spans until they are exported, and loads the
 * OpenTelemetry SDK as it starts; V8 saw allocation sites whose objects all survived then and
 * decided (once, for good) to allocate their objects in the old generation. Requests then
 * reached old objects, so whole requests were promoted: 2 KB a request against 0.1 KB untraced,
 * and three times the scavenge time. Young allocation is what short-lived request objects want.
 * Returns whether it turned the flag off.
 */
export function allocateYoungForTracing(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): boolean {
  if (pretenuringChosenAtStart(execArgv, nodeOptions)) return false;
  setFlagsFromString('--no-allocation-site-pretenuring');
  return true;
}

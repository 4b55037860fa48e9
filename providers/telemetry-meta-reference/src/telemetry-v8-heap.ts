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
 * flag at start. Why (measured, the sites themselves not identified): as a traced server came
 * under load, V8 saw allocation sites whose objects had all survived and decided, once and for
 * good, to allocate their objects in the old generation; an untraced server's sites never
 * switched. Requests then reached old objects and were promoted whole: 2 KB a request against
 * 0.1 KB untraced, and three times the scavenge time. Returns whether it turned the flag off.
 */
export function allocateYoungForTracing(): boolean {
  if (pretenuringChosenAtStart()) return false;
  setFlagsFromString('--no-allocation-site-pretenuring');
  return true;
}

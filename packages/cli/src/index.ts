export { builtinCatalog, CLI_PACKAGE_DIR } from './cli-catalog.js';
export { CRIA_VERSION } from './cli-version.js';
export { type DistributionListing, distributionsDir, listDistributions, resolveDistribution } from './cli-distributions.js';
export { type RunningCria, startCria, type StartCriaOptions } from './cli-run.js';

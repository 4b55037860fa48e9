// Native addons (better-sqlite3) build from source where no prebuilt binary can be fetched.
// node-gyp then needs Node's headers; point it at the ones installed beside this Node
// (official tarballs and distro packages ship them) instead of downloading them.
const fs = require('node:fs');
const path = require('node:path');

function localNodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const header = path.join(prefix, 'include', 'node', 'node_version.h');
  try {
    const text = fs.readFileSync(header, 'utf8');
    const part = (name) => (text.match(new RegExp(`#define NODE_${name}_VERSION (\\d+)`)) || [])[1];
    const version = `v${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
    return version === process.version ? prefix : undefined;
  } catch {
    return undefined;
  }
}

module.exports = {
  hooks: {
    updateConfig(config) {
      const nodedir = process.env.npm_config_nodedir || localNodeDir();
      if (!nodedir) return config;
      return { ...config, extraEnv: { ...config.extraEnv, npm_config_nodedir: nodedir } };
    },
  },
};

/**
 * The in-pipeline git server of the local gitops environment: a bare repository served over
 * smart HTTP (nginx in front of fcgiwrap and `git http-backend`), anonymous push enabled. Argo CD
 * in the kind cluster reads it, the gitops e2e's bump pushes to it. It holds only a throw-away
 * copy of the gitops tree and lives as long as the pipeline's service.
 *
 * The same recipe as the tests module's git server (dagger/tests/src/git-server.ts; a module
 * cannot import another module's source, so tests/unit/tests-module.test.ts keeps the two
 * equal), with the tree committed where the real repository keeps it (gitops-pipeline.yaml's
 * repoPath), so the Argo CD Applications' paths hold unchanged.
 */

/** Where the server keeps its bare repositories (git http-backend's GIT_PROJECT_ROOT). */
export const GIT_ROOT = "/srv/git";
/** The bare repository: served as http://<host>/gitops.git. */
export const GIT_REPO = "gitops.git";
/** Port the server listens on. */
export const GIT_PORT = 80;
/** Where the seed tree is mounted before it is committed. */
export const SEED_DIR = "/seed";
/** fcgiwrap's socket, shared by spawn-fcgi and nginx. */
export const FCGI_SOCKET = "/run/fcgiwrap.socket";
/** nginx configuration file of the server. */
export const NGINX_CONF = "/etc/nginx/git-server.conf";
/** Debian packages of the server (git ships git-http-backend in /usr/lib/git-core). */
export const GIT_SERVER_PACKAGES = ["git", "nginx", "fcgiwrap", "spawn-fcgi"] as const;
/** Debian's git-http-backend. */
export const HTTP_BACKEND = "/usr/lib/git-core/git-http-backend";

/** Installs the server packages; a policy-rc.d that exits 101 keeps apt from starting nginx. */
export const GIT_SERVER_INSTALL = `set -eu
printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d
chmod 0755 /usr/sbin/policy-rc.d
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends ${GIT_SERVER_PACKAGES.join(" ")} >/dev/null
rm -rf /var/lib/apt/lists/* /usr/sbin/policy-rc.d
test -x ${HTTP_BACKEND}
`;

/** The URL of the served repository on `host` (a service binding's alias or host name). */
export function gitServerUrl(host: string): string {
  if (!/^[A-Za-z0-9.-]+$/.test(host)) throw new Error(`git server host "${host}" is not a host name`);
  return `http://${host}/${GIT_REPO}`;
}

/**
 * nginx configuration: every path goes to git http-backend. Request bodies (push packs) are
 * buffered in `tmp` so the unprivileged workers can write them; no size limit.
 */
export function gitNginxConf(o: { listen: string; root: string; socket: string; pidFile: string; tmp: string; backend?: string }): string {
  return `worker_processes 1;
pid ${o.pidFile};
error_log stderr info;
events {}
http {
  access_log off;
  client_max_body_size 0;
  client_body_temp_path ${o.tmp}/body;
  fastcgi_temp_path ${o.tmp}/fastcgi;
  proxy_temp_path ${o.tmp}/proxy;
  uwsgi_temp_path ${o.tmp}/uwsgi;
  scgi_temp_path ${o.tmp}/scgi;
  server {
    listen ${o.listen};
    location / {
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME ${o.backend ?? HTTP_BACKEND};
      fastcgi_param GIT_PROJECT_ROOT ${o.root};
      fastcgi_param GIT_HTTP_EXPORT_ALL "";
      fastcgi_param PATH_INFO $uri;
      fastcgi_pass unix:${o.socket};
    }
  }
}
`;
}

/** A directory inside the repository: relative, no `..`, no quoting needed in the script. */
function checkRepoPath(p: string): string {
  if (p.startsWith("/") || p.split("/").includes("..") || !/^[A-Za-z0-9._/-]*$/.test(p)) {
    throw new Error(`repoPath "${p}" is not a plain relative path`);
  }
  return p.replace(/\/+$/, "");
}

/**
 * Commit the tree mounted at `seed` on `branch`, placed at `repoPath` inside the repository ("" for
 * its root), and clone it bare into the server root with anonymous push enabled
 * (http.receivepack: git http-backend refuses pushes from unauthenticated clients otherwise).
 */
export function gitSeedScript(o: { seed: string; root: string; repo: string; repoPath: string; branch: string }): string {
  const at = checkRepoPath(o.repoPath);
  if (!/^[A-Za-z0-9._/-]+$/.test(o.branch)) throw new Error(`branch "${o.branch}" is not a plain branch name`);
  return `set -eu
work=$(mktemp -d)
mkdir -p "$work/${at}"
cp -R ${o.seed}/. "$work/${at}"
cd "$work"
git init --quiet --initial-branch=${o.branch} .
git add -A
git -c user.name=gitops-pipeline -c user.email=gitops-pipeline@localhost -c commit.gpgsign=false commit --quiet -m "local: the gitops tree"
mkdir -p ${o.root}
git clone --quiet --bare "$work" ${o.root}/${o.repo}
git -C ${o.root}/${o.repo} config http.receivepack true
rm -rf "$work"
`;
}

/** Start fcgiwrap on the socket, then nginx in the foreground (the service's process). */
export function gitServeScript(o: { socket: string; conf: string }): string {
  return `set -eu
rm -f ${o.socket}
spawn-fcgi -s ${o.socket} -M 0766 /usr/sbin/fcgiwrap
exec nginx -c ${o.conf} -g 'daemon off;'
`;
}

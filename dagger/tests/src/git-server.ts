/**
 * The git server of the bump tests: a bare repository served over smart HTTP (nginx in front of
 * fcgiwrap and `git http-backend`), push enabled without authentication. Plain http without a
 * token is a transport the bump accepts as it is (core/git.ts `checkRepoUrl`, stages/bump.ts
 * `checkRemote`), so the tests exercise the real clone / fetch / push / retry path unchanged.
 *
 * No Dagger import here: the same text is checked by the repo's unit tests and can be run by
 * hand with a local nginx (see CONTRIBUTING.md, "Tests module"). The main module's local
 * environment serves its git repository with the same recipe (dagger/src/core/local/git-server.ts);
 * a module cannot import another's source, so a unit test keeps the two equal.
 */

/** Where the server keeps its bare repositories (git http-backend's GIT_PROJECT_ROOT). */
export const GIT_ROOT = "/srv/git";
/** The bare repository the tests push to: served as http://<host>/gitops.git. */
export const REPO = "gitops.git";
/** Where the seed tree (holding gitops/) is mounted before it is committed. */
export const SEED_DIR = "/seed";
/** fcgiwrap's socket, shared by spawn-fcgi and nginx. */
export const SOCKET = "/run/fcgiwrap.socket";
/** nginx configuration file of the server. */
export const NGINX_CONF_PATH = "/etc/nginx/git-server.conf";
/** Debian packages of the server (git ships git-http-backend in /usr/lib/git-core). */
export const SERVER_PACKAGES = ["git", "nginx", "fcgiwrap", "spawn-fcgi"] as const;
/** Debian's git-http-backend. */
export const HTTP_BACKEND = "/usr/lib/git-core/git-http-backend";

/** Installs the server packages; a policy-rc.d that exits 101 keeps apt from starting nginx. */
export const INSTALL_SCRIPT = `set -eu
printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d
chmod 0755 /usr/sbin/policy-rc.d
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends ${SERVER_PACKAGES.join(" ")} >/dev/null
rm -rf /var/lib/apt/lists/* /usr/sbin/policy-rc.d
test -x ${HTTP_BACKEND}
`;

/**
 * nginx configuration: every path goes to git http-backend. Request bodies (push packs) are
 * buffered in /tmp so the unprivileged workers can write them; no size limit.
 */
export function nginxConf(o: { listen: string; root: string; socket: string; pidFile: string; tmp: string }): string {
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
      fastcgi_param SCRIPT_FILENAME ${HTTP_BACKEND};
      fastcgi_param GIT_PROJECT_ROOT ${o.root};
      fastcgi_param GIT_HTTP_EXPORT_ALL "";
      fastcgi_param PATH_INFO $uri;
      fastcgi_pass unix:${o.socket};
    }
  }
}
`;
}

/**
 * Commit the seed tree (which holds gitops/) on main and clone it bare into the server root,
 * with anonymous push enabled (http.receivepack: git http-backend refuses pushes from
 * unauthenticated clients otherwise).
 */
export function seedScript(o: { seed: string; root: string; repo: string }): string {
  return `set -eu
work=$(mktemp -d)
cp -R ${o.seed}/. "$work"
cd "$work"
git init --quiet --initial-branch=main .
git add -A
git -c user.name=tests -c user.email=tests@example.com -c commit.gpgsign=false commit --quiet -m "seed: gitops tree"
mkdir -p ${o.root}
git clone --quiet --bare "$work" ${o.root}/${o.repo}
git -C ${o.root}/${o.repo} config http.receivepack true
rm -rf "$work"
`;
}

/** Start fcgiwrap on the socket, then nginx in the foreground (the service's process). */
export function serveScript(o: { socket: string; conf: string }): string {
  return `set -eu
rm -f ${o.socket}
spawn-fcgi -s ${o.socket} -M 0766 /usr/sbin/fcgiwrap
exec nginx -c ${o.conf} -g 'daemon off;'
`;
}

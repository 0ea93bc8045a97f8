/**
 * Instances as real hosts. Each running instance is a Debian 13 userland of its own: an overlay
 * (the shared, cached root filesystem below, the instance's own writable layer above) mounted in
 * a new mount namespace, with a PID namespace (its processes see only each other) and a UTS
 * namespace (its own hostname). It shares the machine's network namespace, so its sshd listens on
 * the instance's natIP (a loopback address), port 22, as GCE's does on its external address, and
 * apt reaches Debian's archive. A small guest agent makes an account with passwordless sudo for
 * each user in the `ssh-keys` metadata, as GCE's guest environment does (none for root).
 *
 * Why namespaces and an overlay rather than containers or VMs: unshare and mount are in every
 * Debian (util-linux), need no daemon, start in well under a second, and the overlay makes six
 * instances cost six empty directories instead of six copies. Needs root (as CI has).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { InstanceHooks } from './compute-api.js';
import type { Resource } from './store.js';

export const DEFAULT_CACHE_DIR = '/var/cache/lab-emulator';

/** What the image holds beyond Debian's minbase: what GCE's image and the book's early chapters use. */
const PACKAGES = ['openssh-server', 'sudo', 'openssl', 'ca-certificates', 'curl', 'gpg', 'iproute2', 'procps', 'less'];
const SUITE = 'trixie';
const MIRROR = 'http://deb.debian.org/debian';

/** GCE's guest agent, in the part that matters here: accounts and keys from metadata. */
const GUEST_AGENT = `#!/bin/sh
# The emulator's guest agent: an account in group google-sudoers (passwordless sudo) and its
# authorized_keys for each user of the ssh-keys metadata, as GCE's guest agent makes them.
keys=/run/google-metadata/ssh-keys
last='(not applied yet)'
while :; do
  now=$(cat "$keys" 2>/dev/null)
  if [ "$now" != "$last" ]; then
    last=$now
    printf '%s\\n' "$now" | cut -s -d: -f1 | sort -u | while read -r user; do
      case "$user" in ''|root|*[!a-z0-9._-]*|[!a-z_]*) continue ;; esac
      id "$user" > /dev/null 2>&1 || useradd --create-home --shell /bin/bash --groups google-sudoers "$user"
      install -d -m 0700 -o "$user" -g "$user" "/home/$user/.ssh"
      printf '%s\\n' "$now" | grep "^$user:" | cut -d: -f2- > "/home/$user/.ssh/authorized_keys"
      chown "$user:$user" "/home/$user/.ssh/authorized_keys"
      chmod 0600 "/home/$user/.ssh/authorized_keys"
    done
    mkdir -p /var/lib/emulator-guest-agent
    printf '%s\\n' "$now" > /var/lib/emulator-guest-agent/applied
  fi
  sleep 0.3
done
`;

/** Run by the image build, in the new root: what GCE's Debian image and guest environment set up. */
const CUSTOMIZE = `set -e
root="$1"
chroot "$root" groupadd --system google-sudoers
printf '%s\\n' '%google-sudoers ALL=(ALL:ALL) NOPASSWD:ALL' > "$root/etc/sudoers.d/google_sudoers"
chmod 0440 "$root/etc/sudoers.d/google_sudoers"
printf '%s\\n' 'PasswordAuthentication no' 'KbdInteractiveAuthentication no' 'PermitRootLogin no' > "$root/etc/ssh/sshd_config.d/gce.conf"
rm -f "$root"/etc/ssh/ssh_host_*
`;

/** The cached root filesystem's directory; its name changes with what goes into it. */
export function rootfsDir(cacheDir = DEFAULT_CACHE_DIR): string {
  const hash = crypto
    .createHash('sha256')
    .update([SUITE, MIRROR, ...PACKAGES, CUSTOMIZE].join('\n'))
    .digest('hex')
    .slice(0, 12);
  return path.join(cacheDir, `debian-13-${hash}`);
}

/**
 * The Debian 13 root filesystem, built once with mmdebstrap from Debian's archive and cached.
 * Built into a temporary directory and renamed, so a kill or two builds at once never leave a
 * half-made one in the cache.
 */
export function ensureRootfs(cacheDir = DEFAULT_CACHE_DIR, log: (line: string) => void = () => {}): string {
  const dir = rootfsDir(cacheDir);
  if (fs.existsSync(path.join(dir, 'etc', 'os-release'))) return dir;
  if (spawnSync('mmdebstrap', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error("mmdebstrap is not installed; the emulator builds its instances' Debian 13 image with it: apt-get install mmdebstrap");
  }
  fs.mkdirSync(cacheDir, { recursive: true });
  const building = `${dir}.building-${process.pid}`;
  fs.rmSync(building, { recursive: true, force: true });
  log(`Building the instances' Debian 13 image in ${dir} (once; about a minute)...`);
  const started = Date.now();
  const result = spawnSync(
    'mmdebstrap',
    ['--variant=minbase', '--mode=root', `--include=${PACKAGES.join(',')}`, `--customize-hook=${CUSTOMIZE}`, SUITE, building, MIRROR],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (result.status !== 0) {
    fs.rmSync(building, { recursive: true, force: true });
    throw new Error(
      `mmdebstrap could not build the instances' image (exit ${result.status}):\n${(result.stderr ?? '').trim().split('\n').slice(-15).join('\n')}`,
    );
  }
  try {
    fs.renameSync(building, dir);
  } catch {
    // Another build finished first: its image is the same.
    fs.rmSync(building, { recursive: true, force: true });
  }
  log(`Built the image in ${((Date.now() - started) / 1000).toFixed(0)}s.`);
  return dir;
}

interface RunningHost {
  name: string;
  natIP: string;
  dir: string;
  process: ChildProcess;
  exited: Promise<void>;
}

export interface InstanceHosts extends InstanceHooks {
  /** Waits until an instance's sshd answers on its natIP and its keys are in place. */
  ready(instance: string, timeoutMs?: number): Promise<void>;
  /** Stops every host (the emulator's instances stay in its state). */
  close(): Promise<void>;
}

export interface InstanceHostsOptions {
  /** Holds each instance's writable layer, metadata and log. */
  runDir: string;
  rootfs: string;
  log?: (line: string) => void;
}

/** The PID 1 of an instance: mounts its root, starts the guest agent and sshd, lives while its stdin is open. */
const INIT = `set -e
merged="$1"; upper="$2"; work="$3"; meta="$4"; lower="$5"; address="$6"; name="$7"
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$upper,workdir=$work" "$merged"
mount -t proc proc "$merged/proc"
mount --bind "$merged/proc/sys" "$merged/proc/sys"
mount -o remount,bind,ro "$merged/proc/sys"
mount --rbind /dev "$merged/dev"
mount -t tmpfs -o mode=0755 tmpfs "$merged/run"
mkdir -p "$merged/run/google-metadata" "$merged/run/sshd"
mount --bind -o ro "$meta" "$merged/run/google-metadata"
cp /etc/resolv.conf "$merged/etc/resolv.conf" 2> /dev/null || true
hostname "$name"
printf '%s\\n' "$name" > "$merged/etc/hostname"
printf '127.0.0.1 localhost\\n127.0.1.1 %s\\n' "$name" > "$merged/etc/hosts"
[ -e "$merged/etc/ssh/ssh_host_ed25519_key" ] || chroot "$merged" ssh-keygen -A > /dev/null
chroot "$merged" sh /run/google-metadata/guest-agent &
chroot "$merged" /usr/sbin/sshd -D -e -o "ListenAddress=$address:22" &
# The emulator holds this shell's stdin: when it goes (closed, killed), the instance goes too.
cat > /dev/null
`;

export function createInstanceHosts(options: InstanceHostsOptions): InstanceHosts {
  const running = new Map<string, RunningHost>();
  const log = options.log ?? (() => {});
  const dirOf = (instance: Resource) => path.join(options.runDir, instanceKey(instance));

  const writeKeys = (instance: Resource, sshKeys: string) => {
    const meta = path.join(dirOf(instance), 'metadata');
    fs.mkdirSync(meta, { recursive: true });
    // Brought in at start rather than baked into the image: a change here needs no new image.
    fs.writeFileSync(path.join(meta, 'guest-agent'), GUEST_AGENT);
    fs.writeFileSync(path.join(meta, 'ssh-keys.tmp'), `${sshKeys}\n`);
    fs.renameSync(path.join(meta, 'ssh-keys.tmp'), path.join(meta, 'ssh-keys'));
  };

  const start = (instance: Resource) => {
    const dir = dirOf(instance);
    const natIP = natIPOf(instance);
    for (const part of ['upper', 'work', 'merged']) fs.mkdirSync(path.join(dir, part), { recursive: true });
    const logFile = fs.openSync(path.join(dir, 'host.log'), 'a');
    const child = spawn(
      'unshare',
      [
        '--mount',
        '--pid',
        '--uts',
        '--fork',
        '--kill-child',
        '--propagation',
        'private',
        '--',
        'sh',
        '-c',
        INIT,
        'init',
        ...['merged', 'upper', 'work', 'metadata'].map((part) => path.join(dir, part)),
        options.rootfs,
        natIP,
        instance.name,
      ],
      { stdio: ['pipe', logFile, logFile] },
    );
    fs.closeSync(logFile);
    // The pipe is never written to; its end is the instance's end (see INIT).
    child.stdin!.on('error', () => {});
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    running.set(instance.selfLink, { name: instance.name, natIP, dir, process: child, exited });
    log(`instance ${instance.name}: host on ${natIP}:22 (log ${path.join(dir, 'host.log')})`);
  };

  const stop = async (link: string) => {
    const host = running.get(link);
    if (!host) return;
    running.delete(link);
    host.process.kill('SIGKILL');
    await host.exited;
  };

  return {
    started(instance, sshKeys) {
      writeKeys(instance, sshKeys);
      if (!running.has(instance.selfLink)) start(instance);
    },
    stopped(instance) {
      const dir = dirOf(instance);
      void stop(instance.selfLink).then(() => {
        // The overlay went with the mount namespace; what the instance wrote goes now.
        if (instance.status !== 'TERMINATED') fs.rmSync(dir, { recursive: true, force: true });
      });
    },
    async ready(name, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const host = [...running.values()].find((candidate) => candidate.name === name);
        if (host) {
          const wanted = readOrEmpty(path.join(host.dir, 'metadata', 'ssh-keys'));
          const applied = readOrEmpty(path.join(host.dir, 'upper', 'var', 'lib', 'emulator-guest-agent', 'applied'));
          if (applied === wanted && (await answersSsh(host.natIP))) return;
        }
        if (Date.now() > deadline) {
          const log = host ? readOrEmpty(path.join(host.dir, 'host.log')).trim().split('\n').slice(-10).join('\n') : '';
          throw new Error(
            `instance ${name} did not answer on port 22 within ${timeoutMs / 1000}s${log ? `; its host's log ends:\n${log}` : ''}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async close() {
      await Promise.all([...running.keys()].map((link) => stop(link)));
    },
  };
}

/** `projects/p/zones/z/instances/n` → `p.z.n`, a directory name that cannot climb out. */
function instanceKey(instance: Resource): string {
  const [, project, , zone, , name] = instance.selfLink.slice(instance.selfLink.indexOf('projects/')).split('/');
  return [project, zone, name].join('.').replace(/[^a-z0-9._-]/gi, '_');
}

function natIPOf(instance: Resource): string {
  const nic = (instance.networkInterfaces as { accessConfigs?: { natIP?: string }[]; networkIP?: string }[])[0];
  const address = nic?.accessConfigs?.[0]?.natIP;
  if (!address) throw new Error(`instance ${instance.name} has no external address: the emulator reaches instances at their natIP`);
  return address;
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

async function answersSsh(address: string): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port: 22 });
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('SSH-'));
    });
    socket.once('error', () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

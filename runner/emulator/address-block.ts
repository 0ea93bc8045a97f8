/**
 * Each emulator's own block of loopback addresses, 127.2.X.0/24, for its instances' natIPs and
 * its reserved addresses: two emulators at once (two test files, a rehearsal beside `lab
 * emulator`) never give two instances one address and port 22. A lock file per block names the
 * emulator's pid; a block whose emulator died is taken over.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface AddressBlock {
  /** `127.2.X.` */
  prefix: string;
  release(): void;
}

export function claimAddressBlock(lockDir = os.tmpdir()): AddressBlock {
  for (let block = 1; block <= 254; block += 1) {
    const file = path.join(lockDir, `lab-emulator-127.2.${block}.lock`);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        fs.writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o644 });
        return { prefix: `127.2.${block}.`, release: () => fs.rmSync(file, { force: true }) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        if (isAlive(Number(fs.readFileSync(file, 'utf8')))) break;
        fs.rmSync(file, { force: true }); // its emulator died
      }
    }
  }
  throw new Error(`Every block of loopback addresses 127.2.1-254.0/24 is taken by a running emulator (lock files in ${lockDir})`);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

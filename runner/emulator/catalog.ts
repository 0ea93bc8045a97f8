/**
 * The fixed part of the emulated Compute Engine: regions, zones, machine types and public images.
 * A few real ones, so a book that names another region or a misspelt zone gets GCE's 404.
 */
export const REGIONS: Record<string, readonly string[]> = {
  'us-central1': ['a', 'b', 'c', 'f'],
  'us-east1': ['b', 'c', 'd'],
  'us-west1': ['a', 'b', 'c'],
  'europe-west1': ['b', 'c', 'd'],
  'europe-west4': ['a', 'b', 'c'],
  'asia-east1': ['a', 'b', 'c'],
};

export function zonesOf(region: string): string[] {
  return (REGIONS[region] ?? []).map((letter) => `${region}-${letter}`);
}

export function regionOfZone(zone: string): string | undefined {
  const region = zone.replace(/-[a-z]$/, '');
  return zonesOf(region).includes(zone) ? region : undefined;
}

export const MACHINE_TYPES: Record<string, { guestCpus: number; memoryMb: number }> = {
  'e2-micro': { guestCpus: 2, memoryMb: 1024 },
  'e2-small': { guestCpus: 2, memoryMb: 2048 },
  'e2-medium': { guestCpus: 2, memoryMb: 4096 },
  'e2-standard-2': { guestCpus: 2, memoryMb: 8192 },
  'e2-standard-4': { guestCpus: 4, memoryMb: 16384 },
  'n2-standard-2': { guestCpus: 2, memoryMb: 8192 },
  'n1-standard-1': { guestCpus: 1, memoryMb: 3840 },
};

export interface PublicImage {
  project: string;
  name: string;
  family: string;
  /** What the instance's host runs (runner/emulator/hosts.ts). Only the book's image is emulated. */
  release: string;
}

export const IMAGES: readonly PublicImage[] = [
  { project: 'debian-cloud', name: 'debian-13-trixie-v20261110', family: 'debian-13', release: 'trixie' },
];

import { InputError } from '../../../errors.js';
import { compareVersions, kindNodeImages, type KindNodeImage } from '../../../runtime/catalog.js';

export interface NodeImageChoice {
  image: string;
  /** The catalog entry the image came from (absent for a user-given image). */
  entry?: KindNodeImage;
  /** Why this image, for the user (e.g. a same-minor fallback). */
  note?: string;
  /** The labels of an image podchurn has just built (podchurn image node), so they need not be read back. */
  labels?: Record<string, string>;
}

const tagOf = (image: string) => image.split(':').pop()?.replace(/^v/, '') ?? '';

/**
 * The node image for a cluster: the user's, else the kind catalog's image for the Kubernetes
 * version. When several kind releases ship that version, the one whose containerd matches the
 * requested pin wins (so fewer binaries differ from what the image was built with), else the newest.
 * A version the catalog lacks falls back to the newest image of the same minor, with a note.
 */
export function chooseNodeImage(
  spec: { kubernetes: string; nodeImage?: string; containerd: string },
  catalog: KindNodeImage[] = kindNodeImages(),
): NodeImageChoice {
  if (spec.nodeImage) {
    const entry = catalog.find((e) => e.image === spec.nodeImage);
    return { image: spec.nodeImage, entry };
  }
  const wanted = spec.kubernetes.replace(/^v/, '');
  const pinned = spec.containerd === 'system' ? undefined : spec.containerd.replace(/^containerd@/, '').replace(/^v/, '');
  const newestFirst = [...catalog].sort((a, b) => compareVersions(b.kind, a.kind));
  const pick = (entries: KindNodeImage[]) => entries.find((e) => pinned !== undefined && e.containerd === pinned) ?? entries[0];
  const exact = newestFirst.filter((e) => tagOf(e.image) === wanted);
  if (exact.length) return { image: pick(exact)!.image, entry: pick(exact) };
  const minor = wanted.split('.').slice(0, 2).join('.');
  const sameMinor = newestFirst
    .filter((e) => tagOf(e.image).split('.').slice(0, 2).join('.') === minor)
    .sort((a, b) => compareVersions(tagOf(b.image), tagOf(a.image)) || compareVersions(b.kind, a.kind));
  const fallback = sameMinor[0];
  if (fallback) {
    return {
      image: fallback.image,
      entry: fallback,
      note:
        `the kind catalog has no node image for ` +
        `Kubernetes ${wanted}; using ${fallback.image} ` +
        `(kind ${fallback.kind}, containerd ${fallback.containerd}, runc ${fallback.runc}). Set cluster.nodeImage to choose another.`,
    };
  }
  const known = [...new Set(catalog.map((e) => tagOf(e.image)))].sort(compareVersions).join(', ');
  throw new InputError(
    `the kind catalog has no node image for ` +
      `Kubernetes ${wanted} (it knows ${known}). Set cluster.kubernetes to one of those, or cluster.nodeImage (--image) to a kindest/node image.`,
  );
}

// Media types by extension, as the contract lists them; MIME types for listings that carry none
// (S3 ListObjectsV2 reports no Content-Type).
export type MediaType = "video" | "audio" | "image";

const TABLE: Record<string, { mediaType: MediaType; mime: string }> = {
  mp4: { mediaType: "video", mime: "video/mp4" },
  avi: { mediaType: "video", mime: "video/x-msvideo" },
  mkv: { mediaType: "video", mime: "video/x-matroska" },
  mov: { mediaType: "video", mime: "video/quicktime" },
  webm: { mediaType: "video", mime: "video/webm" },
  mp3: { mediaType: "audio", mime: "audio/mpeg" },
  wav: { mediaType: "audio", mime: "audio/wav" },
  flac: { mediaType: "audio", mime: "audio/flac" },
  m4a: { mediaType: "audio", mime: "audio/mp4" },
  ogg: { mediaType: "audio", mime: "audio/ogg" },
  aac: { mediaType: "audio", mime: "audio/aac" },
  jpg: { mediaType: "image", mime: "image/jpeg" },
  jpeg: { mediaType: "image", mime: "image/jpeg" },
  png: { mediaType: "image", mime: "image/png" },
  webp: { mediaType: "image", mime: "image/webp" },
  gif: { mediaType: "image", mime: "image/gif" },
  bmp: { mediaType: "image", mime: "image/bmp" },
  tiff: { mediaType: "image", mime: "image/tiff" },
  heic: { mediaType: "image", mime: "image/heic" },
  heif: { mediaType: "image", mime: "image/heif" },
};

export function extensionOf(path: string): string | null {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : null;
}

export function mediaTypeOf(path: string): MediaType | null {
  const ext = extensionOf(path);
  return ext ? TABLE[ext]?.mediaType ?? null : null;
}

export function mimeOf(path: string): string | null {
  const ext = extensionOf(path);
  return ext ? TABLE[ext]?.mime ?? null : null;
}

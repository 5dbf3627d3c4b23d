import type { Video } from "@/lib/generated/prisma/client";
import type { MediaFacts } from "@/lib/media/probe";
import { fixedSegments } from "./segments";
import type { ExtractionEngine, RunSpec, VideoOutcome } from "./types";

// The engine that is always available: it describes each file from the media facts measured at import
// (ffprobe), per video and per fixed segment. It does not interpret the prompt, and says so.
export const probeEngine: ExtractionEngine = {
  name: "probe",
  async processVideo(video: Video, spec: RunSpec): Promise<VideoOutcome> {
    const facts = (video.metadata ?? null) as Partial<MediaFacts> | null;
    const technical = {
      media_type: video.mediaType,
      container: facts?.container ?? null,
      duration_seconds: video.durationSeconds,
      bit_rate: facts?.bit_rate ?? null,
      video: facts?.video ?? null,
      audio: facts?.audio ?? null,
      size_bytes: Number(video.sizeBytes),
      content_type: video.contentType,
    };
    const segments = fixedSegments(video.durationSeconds, spec.segmentDuration).map((s) => ({
      ...s,
      status: "completed" as const,
      data: { engine: "probe", start_time: s.start, end_time: s.end, duration_seconds: round(s.end - s.start), ...pick(technical) },
      error: null,
    }));
    return {
      videoResult: {
        engine: "probe",
        note: "Technical description from the media probe; the probe engine does not interpret the prompt.",
        description: describe(video, facts),
        segmentation: "fixed",
        segment_count: segments.length,
        ...technical,
      },
      segments,
      error: null,
    };
  },
};

function pick(t: { media_type: string; container: string | null; video: unknown; audio: unknown }) {
  return { media_type: t.media_type, container: t.container, video: t.video, audio: t.audio };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** "1280x720 h264 video at 25 fps, 12.0 s, aac audio 2 ch 48 kHz, mp4". */
export function describe(video: Pick<Video, "mediaType" | "durationSeconds">, facts: Partial<MediaFacts> | null): string {
  const parts: string[] = [];
  const v = facts?.video;
  if (v) {
    const kind = video.mediaType === "image" ? "image" : "video";
    parts.push(`${v.width}x${v.height} ${v.codec} ${kind}${v.frame_rate ? ` at ${round(v.frame_rate)} fps` : ""}`);
  }
  if (video.durationSeconds) parts.push(`${video.durationSeconds.toFixed(1)} s`);
  const a = facts?.audio;
  if (a) parts.push(`${a.codec} audio ${a.channels} ch ${Math.round(a.sample_rate / 100) / 10} kHz`);
  if (facts?.container) parts.push(facts.container);
  return parts.length ? parts.join(", ") : `${video.mediaType} file`;
}

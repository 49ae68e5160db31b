package dev.ampoule.relay.blob;

import java.time.Duration;

/**
 * The limits of blob storage.
 *
 * @param maxBlobBytes the largest blob ({@code BLOB_TOO_LARGE} beyond)
 * @param teamQuotaBytes the most bytes of blobs one group (a care team's) may hold, uploads in
 *     progress counted at their declared size ({@code QUOTA_EXCEEDED} beyond)
 * @param maxFetchBytes the most bytes one {@code BlobData} answer carries
 * @param uploadsPerDevice uploads in progress at once per device ({@code LIMIT_EXCEEDED} beyond)
 * @param uploadIdle an upload that receives nothing for this long is discarded
 */
public record BlobLimits(long maxBlobBytes, long teamQuotaBytes, int maxFetchBytes, int uploadsPerDevice,
        Duration uploadIdle) {

    /** Uploads in progress at once per device. */
    public static final int UPLOADS_PER_DEVICE = 4;
    /** How long an upload may receive nothing before it is discarded. */
    public static final Duration UPLOAD_IDLE = Duration.ofMinutes(5);
    /** The most bytes one {@code BlobData} carries (less with a smaller frame limit). */
    public static final int FETCH_BYTES = 512 << 10;

    public BlobLimits {
        if (maxBlobBytes < 1 || teamQuotaBytes < 1 || maxFetchBytes < 1 || uploadsPerDevice < 1) {
            throw new IllegalArgumentException("blob limits must be positive");
        }
    }

    /** The limits of a relay whose frames are at most {@code maxFrameBytes}. */
    public static BlobLimits of(long maxBlobBytes, long teamQuotaBytes, int maxFrameBytes) {
        return new BlobLimits(maxBlobBytes, teamQuotaBytes, Math.min(FETCH_BYTES, Math.max(1, maxFrameBytes - 64)),
                UPLOADS_PER_DEVICE, UPLOAD_IDLE);
    }
}

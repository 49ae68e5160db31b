package dev.ampoule.relay.config;

import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;

/** The known name closest to a mistyped one (a setting key, a flag), for error messages. */
public final class Suggestions {

    private Suggestions() {
    }

    /**
     * The candidate closest to {@code wanted} by edit distance, ignoring case, {@code -} and
     * {@code _}, if it is close enough to be what was meant.
     */
    public static Optional<String> closest(String wanted, Collection<String> candidates) {
        String w = normal(wanted);
        return candidates.stream()
                .min(Comparator.comparingInt(c -> editDistance(w, normal(c))))
                .filter(c -> editDistance(w, normal(c)) <= Math.max(2, w.length() / 4));
    }

    private static String normal(String s) {
        return s.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
    }

    /** Levenshtein distance. */
    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}

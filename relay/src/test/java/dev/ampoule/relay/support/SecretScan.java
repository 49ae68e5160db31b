package dev.ampoule.relay.support;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Known secrets planted in a test, and where any of them shows up in captured output: each secret
 * is looked for as is (its UTF-8 or raw bytes), in hex (lower and upper case), and in base64
 * (standard and URL alphabets) at each of the three alignments it can have inside a longer encoded
 * text (whole 3-byte groups of the secret only, so a match is the secret and not its neighbours).
 */
public final class SecretScan {

    /** Secrets shorter than this are not looked for in their encoded forms (too many chance matches). */
    static final int MIN_ENCODED = 12;

    private final Map<String, byte[]> secrets = new LinkedHashMap<>();

    /** Plants {@code value} under a label that names it in findings (never the value itself). */
    public SecretScan plant(String label, byte[] value) {
        secrets.put(label, value.clone());
        return this;
    }

    public SecretScan plant(String label, String value) {
        return plant(label, value.getBytes(StandardCharsets.UTF_8));
    }

    public int size() {
        return secrets.size();
    }

    /** The forms a secret is looked for in. */
    static List<byte[]> forms(byte[] s) {
        List<byte[]> out = new ArrayList<>();
        out.add(s);
        if (s.length < MIN_ENCODED) {
            return out;
        }
        String hex = HexFormat.of().formatHex(s);
        out.add(hex.getBytes(StandardCharsets.US_ASCII));
        out.add(hex.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
        for (int k = 0; k < 3; k++) {
            int whole = (s.length - k) / 3 * 3;
            byte[] part = Arrays.copyOfRange(s, k, k + whole);
            out.add(Base64.getEncoder().withoutPadding().encode(part));
            out.add(Base64.getUrlEncoder().withoutPadding().encode(part));
        }
        return out;
    }

    /** The labels of the secrets found in {@code data}, with {@code where} ("log line 12"). */
    public List<String> find(String where, byte[] data) {
        List<String> found = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : secrets.entrySet()) {
            for (byte[] form : forms(e.getValue())) {
                if (indexOf(data, form) >= 0) {
                    found.add(e.getKey() + " in " + where);
                    break;
                }
            }
        }
        return found;
    }

    public List<String> find(String where, String text) {
        return find(where, text.getBytes(StandardCharsets.UTF_8));
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        if (pattern.length == 0) {
            return -1;
        }
        outer:
        for (int i = 0; i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

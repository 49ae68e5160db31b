package dev.ampoule.relay.config;

import io.vertx.core.json.JsonArray;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The effective configuration as {@code check-config} prints it: one line per setting, in the
 * config file's format ({@code key: value}), with where the value came from; secrets masked. The
 * value shown is the one the relay uses — the field of {@link RelayConfig} named like the key (a
 * {@code …Seconds}, {@code …Hours} or {@code …Micros} key: the {@link Duration} field without the suffix), read
 * reflectively so that a new setting shows up without being listed here a second time.
 */
public final class EffectiveConfig {

    /** Keys whose value is a secret: shown as set or not, never as their value. */
    private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(password|secret|apikey|privatekey)");
    /** {@code scheme://user:password@host}: the password part of a URL. */
    private static final Pattern URL_PASSWORD = Pattern.compile("(://[^/@:\\s]*):[^/@\\s]*@");
    static final String MASK = "'****'";

    private EffectiveConfig() {
    }

    /** The lines of {@code config}, each {@code key: value  # origin}; then what was ignored. */
    public static List<String> lines(RelayConfig config) {
        List<String> out = new ArrayList<>();
        out.add("# the relay's effective configuration (flags > environment > config file > defaults)");
        out.add("# config file: " + config.configFile.map(Path::toString).orElse("none"));
        for (String key : RelayConfig.keys()) {
            String value = render(key, value(config, key));
            Settings.Origin origin = config.settings.origin(key);
            String from = origin == Settings.Origin.ENVIRONMENT ? origin.label + " " + RelayConfig.envName(key)
                    : origin.label;
            out.add(String.format("%-40s # %s", key + ": " + value, from));
        }
        if (!config.unknownEnvironment.isEmpty()) {
            out.add("# ignored environment variables (no such setting): " + String.join(", ", config.unknownEnvironment));
        }
        return out;
    }

    /** The value of {@code key} in {@code config}: its field's value (null when absent). */
    static Object value(RelayConfig config, String key) {
        Optional<Field> field = field(key);
        if (field.isEmpty()) {
            throw new IllegalStateException("setting " + key + " has no field of RelayConfig named " + key
                    + " (or, for a ...Seconds, ...Hours or ...Micros key, a Duration without the suffix)");
        }
        try {
            Object v = field.get().get(config);
            return v instanceof Optional<?> o ? o.orElse(null) : v;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public field holding {@code key}'s value. */
    static Optional<Field> field(String key) {
        for (String name : List.of(key, key.replaceFirst("(Seconds|Hours|Micros)$", ""))) {
            try {
                return Optional.of(RelayConfig.class.getField(name));
            } catch (NoSuchFieldException e) {
                // the other name
            }
        }
        return Optional.empty();
    }

    /** The value as YAML (strings quoted as JSON strings, which YAML reads too); secrets masked. */
    static String render(String key, Object v) {
        if (v == null) {
            return "";
        }
        if (SECRET_KEY.matcher(key).matches()) {
            return MASK;
        }
        return switch (v) {
            case Duration d -> Long.toString(key.endsWith("Hours") ? d.toHours()
                    : key.endsWith("Micros") ? d.toNanos() / 1_000 : d.toSeconds());
            case Boolean b -> b.toString();
            case Number n -> n.toString();
            case Enum<?> e -> e.name().toLowerCase(Locale.ROOT);
            case Collection<?> c -> new JsonArray(c.stream().map(x -> (Object) mask(String.valueOf(x))).toList()).encode();
            default -> new JsonArray().add(mask(v.toString())).encode().replaceAll("^\\[|]$", "");
        };
    }

    /** A URL's password replaced by the mask. */
    static String mask(String text) {
        return URL_PASSWORD.matcher(text).replaceAll("$1:****@");
    }
}

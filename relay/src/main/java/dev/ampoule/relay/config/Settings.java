package dev.ampoule.relay.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where the relay's settings come from, highest first: the config JSON (the command line's flags,
 * or the verticle's {@code config()}), the environment ({@code AMPOULE_RELAY_} + the key in upper
 * snake case), the YAML file named by {@code configFile} ({@link ConfigFile}), then the built-in
 * defaults. Every key {@link RelayConfig} reads is recorded, so that after reading:
 * <ul>
 *   <li>a key of the JSON or the file that no setting read is an error ({@link #rejectUnknown()});</li>
 *   <li>an {@code AMPOULE_RELAY_*} variable that no setting read is reported
 *   ({@link #unknownEnvironment()}) — not refused, since the environment is shared with what the
 *   platform puts there;</li>
 *   <li>each setting's origin is known ({@link #origin}), for {@code check-config}.</li>
 * </ul>
 */
final class Settings {

    /** Where a setting's value came from. */
    enum Origin {
        FLAG("flag or config JSON"), ENVIRONMENT("environment"), FILE("config file"), DEFAULT("default");

        final String label;

        Origin(String label) {
            this.label = label;
        }
    }

    /** The setting naming the YAML file; it can be given as a flag or in the environment only. */
    static final String CONFIG_FILE = "configFile";
    static final String ENV_PREFIX = "AMPOULE_RELAY_";

    private final JsonObject json;
    private final Map<String, String> env;
    private final JsonObject file;
    private final Optional<Path> filePath;
    private final Set<String> read = new LinkedHashSet<>();

    private Settings(JsonObject json, Map<String, String> env, JsonObject file, Optional<Path> filePath) {
        this.json = json;
        this.env = env;
        this.file = file;
        this.filePath = filePath;
    }

    /** The JSON and the environment, and the file that one of them names. */
    static Settings of(JsonObject json, Map<String, String> env) {
        Settings bare = new Settings(json, env, new JsonObject(), Optional.empty());
        Optional<Path> path = bare.str(CONFIG_FILE).map(Path::of);
        Settings s = new Settings(json, env, path.map(ConfigFile::read).orElseGet(JsonObject::new), path);
        s.read.add(CONFIG_FILE);
        if (s.file.containsKey(CONFIG_FILE)) {
            throw new ConfigException(CONFIG_FILE + " cannot be set inside the config file " + path.get());
        }
        return s;
    }

    /** No values at all: reading through it only records the keys. */
    static Settings empty() {
        return of(new JsonObject(), Map.of());
    }

    Optional<Path> filePath() {
        return filePath;
    }

    /** The keys read so far, in reading order. */
    Set<String> keys() {
        return read;
    }

    Optional<String> str(String key) {
        read.add(key);
        Object v = json.getValue(key);
        if (v != null) {
            return Optional.of(String.valueOf(v));
        }
        Optional<String> e = Optional.ofNullable(env.get(RelayConfig.envName(key))).filter(s -> !s.isBlank());
        if (e.isPresent()) {
            return e;
        }
        return Optional.ofNullable(file.getValue(key)).map(String::valueOf);
    }

    /** A JSON (or YAML) array of strings, or a comma-separated list. */
    Optional<List<String>> list(String key) {
        read.add(key);
        Object v = json.getValue(key);
        if (v == null && origin(key) == Origin.FILE) {
            v = file.getValue(key);
        }
        if (v instanceof JsonArray a) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < a.size(); i++) {
                Object item = a.getValue(i);
                if (!(item instanceof String str)) {
                    throw new ConfigException(key + ": not a list of strings");
                }
                out.add(str.trim());
            }
            return Optional.of(out);
        }
        return str(key).map(text -> Arrays.stream(text.split(",")).map(String::trim)
                .filter(x -> !x.isEmpty()).toList());
    }

    Optional<Integer> integer(String key) {
        return str(key).map(v -> parse(key, v));
    }

    Optional<Long> longInteger(String key) {
        return str(key).map(v -> {
            try {
                return Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                throw new ConfigException(key + ": not an integer: " + v);
            }
        });
    }

    Optional<Boolean> bool(String key) {
        return str(key).map(v -> switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new ConfigException(key + ": not a boolean: " + v);
        });
    }

    Optional<Duration> seconds(String key) {
        return str(key).map(v -> Duration.ofSeconds(parse(key, v)));
    }

    private static int parse(String key, String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key + ": not an integer: " + v);
        }
    }

    /** Where {@code key}'s value comes from. */
    Origin origin(String key) {
        if (json.getValue(key) != null) {
            return Origin.FLAG;
        }
        String e = env.get(RelayConfig.envName(key));
        if (e != null && !e.isBlank()) {
            return Origin.ENVIRONMENT;
        }
        return file.getValue(key) != null ? Origin.FILE : Origin.DEFAULT;
    }

    /** Fails on a key of the JSON or of the file that no setting read, naming the closest known one. */
    void rejectUnknown() {
        for (String key : new TreeSet<>(json.fieldNames())) {
            if (!read.contains(key)) {
                throw new ConfigException("unknown setting '" + key + "'" + suggestion(key));
            }
        }
        for (String key : new TreeSet<>(file.fieldNames())) {
            if (!read.contains(key)) {
                throw new ConfigException("unknown setting '" + key + "' in " + filePath.orElseThrow() + suggestion(key));
            }
        }
    }

    /** The {@code AMPOULE_RELAY_*} variables that name no setting, sorted. */
    List<String> unknownEnvironment() {
        Set<String> known = new LinkedHashSet<>();
        read.forEach(k -> known.add(RelayConfig.envName(k)));
        return env.keySet().stream().filter(k -> k.startsWith(ENV_PREFIX) && !known.contains(k)).sorted().toList();
    }

    /** {@code " (did you mean 'port'?)"} when a known key is close to {@code key}; else empty. */
    private String suggestion(String key) {
        return Suggestions.closest(key, read).map(k -> " (did you mean '" + k + "'?)").orElse("");
    }
}

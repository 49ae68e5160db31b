package dev.ampoule.relay.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The relay's config file: YAML (JSON is YAML too), one flat mapping of settings by their key,
 * exactly as {@link RelayConfig} names them ({@code port: 8080}, {@code dataDir: /var/lib/ampoule},
 * {@code roles: [coordinator, nurse]}). Values are scalars or lists of scalars; a nested mapping, a
 * duplicate key or a file that is not a mapping is an error, and so (once every setting has been
 * read) is a key no setting knows. An empty file sets nothing. Read once, when the relay starts.
 */
final class ConfigFile {

    private static final YAMLMapper YAML = YAMLMapper.builder(new YAMLFactory())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private ConfigFile() {
    }

    /** The file's settings as a JSON object (a list stays a list, a scalar becomes its text, number or boolean). */
    static JsonObject read(Path path) {
        JsonNode root;
        try {
            root = YAML.readTree(path.toFile());
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + path + " does not exist");
        } catch (JacksonException e) {
            throw new ConfigException("config file " + path + " is not valid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException("config file " + path + " cannot be read: " + e.getMessage());
        }
        JsonObject out = new JsonObject();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return out;
        }
        if (!root.isObject()) {
            throw new ConfigException("config file " + path + ": expected a mapping of settings (key: value)");
        }
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            JsonNode v = e.getValue();
            if (v.isNull()) {
                continue; // "key:" with no value sets nothing
            }
            if (v.isArray()) {
                JsonArray list = new JsonArray();
                for (JsonNode item : v) {
                    if (!item.isValueNode() || item.isNull()) {
                        throw new ConfigException("config file " + path + ": " + e.getKey() + " must be a list of values");
                    }
                    list.add(item.asText());
                }
                out.put(e.getKey(), list);
            } else if (v.isValueNode()) {
                out.put(e.getKey(), v.isBoolean() ? v.booleanValue() : v.isNumber() ? v.numberValue() : v.asText());
            } else {
                throw new ConfigException("config file " + path + ": " + e.getKey()
                        + " must be a value or a list, not a mapping (settings are flat: key: value)");
            }
        }
        return out;
    }
}

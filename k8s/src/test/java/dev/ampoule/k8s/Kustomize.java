package dev.ampoule.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Renders a kustomization the way {@code kustomize build} does, for the subset of Kustomize these
 * manifests use — {@code resources} (files and directories), {@code namespace}, {@code images} and
 * {@code patches} as JSON patches (RFC 6902) with a target — so that the tests run where no
 * {@code kubectl} or {@code kustomize} is installed. Anything else in a kustomization is refused
 * rather than ignored, and where {@code kubectl} is installed the tests compare both renderings.
 * (No Java library renders Kustomize; Kustomize itself is Go.)
 */
final class Kustomize {

    static final ObjectMapper YAML = new YAMLMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> SUPPORTED = Set.of("apiVersion", "kind", "resources", "namespace", "images", "patches");
    /** Kinds without a namespace among those used. */
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding",
            "PersistentVolume", "StorageClass", "CustomResourceDefinition");

    private Kustomize() {
    }

    /** The objects of the kustomization in {@code dir}, transformed. */
    static List<ObjectNode> render(Path dir) {
        ObjectNode k = (ObjectNode) read(dir.resolve("kustomization.yaml")).get(0);
        for (Iterator<String> it = k.fieldNames(); it.hasNext();) {
            String field = it.next();
            if (!SUPPORTED.contains(field)) {
                throw new IllegalStateException(dir + ": kustomization field '" + field + "' is not rendered by the "
                        + "tests' renderer; support it there first");
            }
        }
        List<ObjectNode> objects = new ArrayList<>();
        for (JsonNode r : k.path("resources")) {
            Path p = dir.resolve(r.asText()).normalize();
            if (Files.isDirectory(p)) {
                objects.addAll(render(p));
            } else {
                for (JsonNode doc : read(p)) {
                    objects.add((ObjectNode) doc);
                }
            }
        }
        for (JsonNode patch : k.path("patches")) {
            JsonNode target = patch.get("target");
            JsonNode ops = read(dir.resolve(patch.get("path").asText())).get(0);
            if (target == null || !ops.isArray()) {
                throw new IllegalStateException(dir + ": only JSON patches (a list of operations) with a target are rendered");
            }
            int applied = 0;
            for (ObjectNode o : objects) {
                if (matches(o, target)) {
                    for (JsonNode op : ops) {
                        JsonPatch.apply(o, (ObjectNode) op);
                    }
                    applied++;
                }
            }
            if (applied == 0) {
                throw new IllegalStateException(dir + ": the patch " + patch + " matches no object");
            }
        }
        for (JsonNode image : k.path("images")) {
            objects.forEach(o -> setImages(o, image));
        }
        if (k.hasNonNull("namespace")) {
            for (ObjectNode o : objects) {
                if (!CLUSTER_SCOPED.contains(o.path("kind").asText())) {
                    ((ObjectNode) o.get("metadata")).put("namespace", k.get("namespace").asText());
                }
            }
        }
        return objects;
    }

    private static boolean matches(ObjectNode o, JsonNode target) {
        String apiVersion = o.path("apiVersion").asText();
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
        return o.path("kind").asText().equals(target.path("kind").asText())
                && o.path("metadata").path("name").asText().equals(target.path("name").asText())
                && (!target.has("group") || group.equals(target.get("group").asText()))
                && (!target.has("version") || version.equals(target.get("version").asText()));
    }

    /** {@code images}: every container image named {@code name} (with or without a tag) becomes newName:newTag. */
    private static void setImages(ObjectNode o, JsonNode image) {
        JsonNode pod = o.path("spec").path("template").path("spec");
        for (String list : List.of("containers", "initContainers")) {
            for (JsonNode c : pod.path(list)) {
                String current = c.path("image").asText();
                String name = current.contains(":") ? current.substring(0, current.lastIndexOf(':')) : current;
                if (name.equals(image.get("name").asText())) {
                    String newName = image.has("newName") ? image.get("newName").asText() : name;
                    ((ObjectNode) c).set("image", new TextNode(newName + (image.has("newTag") ? ":" + image.get("newTag").asText() : "")));
                }
            }
        }
    }

    /** The YAML documents of a file (empty documents left out). */
    static List<JsonNode> read(Path file) {
        try {
            return readAll(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<JsonNode> readAll(String yaml) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(yaml)) {
            for (Iterator<JsonNode> it = YAML.readValues(parser, JsonNode.class); it.hasNext();) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    out.add(doc);
                }
            }
        }
        return out;
    }

    /** RFC 6902 {@code add}, {@code remove} and {@code replace}, on JSON pointers (RFC 6901). */
    static final class JsonPatch {

        private JsonPatch() {
        }

        static void apply(ObjectNode root, ObjectNode op) {
            String path = op.get("path").asText();
            String kind = op.get("op").asText();
            int cut = path.lastIndexOf('/');
            JsonNode parent = root.at(path.substring(0, cut));
            String last = path.substring(cut + 1).replace("~1", "/").replace("~0", "~");
            if (parent.isMissingNode()) {
                throw new IllegalStateException("JSON patch: no " + path.substring(0, cut));
            }
            switch (kind) {
                case "add" -> {
                    if (parent instanceof ArrayNode a) {
                        if (last.equals("-")) {
                            a.add(op.get("value"));
                        } else {
                            a.insert(Integer.parseInt(last), op.get("value"));
                        }
                    } else {
                        ((ObjectNode) parent).set(last, op.get("value"));
                    }
                }
                case "replace", "remove" -> {
                    boolean present = parent instanceof ArrayNode a ? Integer.parseInt(last) < a.size() : parent.has(last);
                    if (!present) {
                        throw new IllegalStateException("JSON patch: nothing at " + path + " to " + kind);
                    }
                    if (kind.equals("remove")) {
                        if (parent instanceof ArrayNode a) {
                            a.remove(Integer.parseInt(last));
                        } else {
                            ((ObjectNode) parent).remove(last);
                        }
                    } else if (parent instanceof ArrayNode a) {
                        a.set(Integer.parseInt(last), op.get("value"));
                    } else {
                        ((ObjectNode) parent).set(last, op.get("value"));
                    }
                }
                default -> throw new IllegalStateException("JSON patch: operation " + kind + " is not rendered");
            }
        }
    }
}

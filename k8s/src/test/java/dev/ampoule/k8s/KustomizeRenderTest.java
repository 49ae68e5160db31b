package dev.ampoule.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every overlay renders, and every object parses as its Kubernetes type with no unknown field. The
 * tests' renderer ({@link Kustomize}) runs everywhere; where {@code kubectl} is installed, its
 * {@code kubectl kustomize} must give the same objects, so the two cannot drift apart.
 */
class KustomizeRenderTest {

    static Stream<String> overlays() throws IOException {
        try (Stream<Path> dirs = Files.list(Manifests.K8sDir.path().resolve("overlays"))) {
            List<String> names = dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(List.of("dev", "prod"), names);
            return names.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void rendersToTypedObjectsWithoutUnknownFields(String overlay) {
        Manifests m = Manifests.overlay(overlay);
        assertFalse(m.objects().isEmpty());
        String namespace = "dev".equals(overlay) ? "ampoule-dev" : "ampoule";
        for (var o : m.objects()) {
            if (!(o instanceof io.fabric8.kubernetes.api.model.Namespace)) {
                assertEquals(namespace, o.getMetadata().getNamespace(), o.getKind() + " " + o.getMetadata().getName());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void kubectlRendersTheSameObjects(String overlay) throws Exception {
        Path dir = Manifests.K8sDir.path().resolve("overlays").resolve(overlay);
        String kubectl = kubectl(dir);
        if (kubectl == null) {
            System.out.println("[k8s] no kubectl on this machine: " + overlay + " checked with the tests' renderer alone");
            return;
        }
        Map<String, JsonNode> theirs = byName(Kustomize.readAll(kubectl).stream().map(n -> (ObjectNode) n).toList());
        Map<String, JsonNode> ours = byName(Kustomize.render(dir));
        assertEquals(theirs.keySet(), ours.keySet());
        for (String key : theirs.keySet()) {
            assertEquals(theirs.get(key), ours.get(key), key);
        }
    }

    @Test
    void aMisspeltFieldIsCaught() throws IOException {
        ObjectNode svc = (ObjectNode) Kustomize.readAll("""
                apiVersion: v1
                kind: Service
                metadata: {name: x}
                spec:
                  selector: {app: x}
                  ports: [{port: 80, targetPrt: 8080}]
                """).get(0);
        AssertionError e = assertThrows(AssertionError.class, () -> Manifests.parse(List.of(svc)));
        assertTrue(e.getMessage().contains("targetPrt"), e.getMessage());
    }

    private static Map<String, JsonNode> byName(List<ObjectNode> objects) {
        Map<String, JsonNode> out = new TreeMap<>();
        for (ObjectNode o : objects) {
            JsonNode normal = Kustomize.JSON.valueToTree(o); // YAML scalars as JSON types
            out.put(o.path("kind").asText() + "/" + o.path("metadata").path("namespace").asText() + "/"
                    + o.path("metadata").path("name").asText(), normal);
        }
        return out;
    }

    /** {@code kubectl kustomize dir}, or null when kubectl is not installed or does not run. */
    private static String kubectl(Path dir) throws InterruptedException {
        try {
            Process p = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(false).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("kubectl kustomize " + dir + " failed: "
                        + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null; // not installed
        }
    }
}

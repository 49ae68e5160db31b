package dev.ampoule.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.vertx.core.json.JsonArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The image two ways — Jib ({@code k8s/pom.xml}, profile {@code image}) and
 * {@code k8s/image/Dockerfile} — is one image: same base, user, ports, working directory, JVM flags,
 * main class and command; and it is the image the manifests run, as the pod expects it (user, ports,
 * data directory, name and tag).
 */
class ImageConsistencyTest {

    @Test
    void jibDockerfileAndManifestsAgree() throws Exception {
        Path k8s = Manifests.K8sDir.path();
        Element jib = jibConfiguration(k8s.resolve("pom.xml"));
        Element container = child(jib, "container");
        Map<String, List<String>> docker = dockerfile(k8s.resolve("image/Dockerfile"));

        String base = property(k8s.resolve("pom.xml"), "image.base");
        assertEquals("${image.base}", text(child(child(jib, "from"), "image")));
        assertEquals(List.of(base), docker.get("FROM"));

        String user = text(child(container, "user"));
        assertEquals(List.of(user), docker.get("USER"));
        String workdir = text(child(container, "workingDirectory"));
        assertEquals(List.of(workdir), docker.get("WORKDIR"));
        assertEquals(List.of(workdir), docker.get("VOLUME"));
        List<String> ports = texts(child(container, "ports"));
        assertEquals(ports, List.of(docker.get("EXPOSE").get(0).split(" ")));
        List<String> entrypoint = json(docker.get("ENTRYPOINT").get(0));
        String mainClass = text(child(container, "mainClass"));
        assertEquals(mainClass, entrypoint.get(entrypoint.size() - 1));
        Class.forName(mainClass); // the relay's Main is on this module's classpath, as in the image
        assertEquals(texts(child(container, "jvmFlags")), entrypoint.subList(1, entrypoint.indexOf("-cp")));
        assertEquals(texts(child(container, "args")), json(docker.get("CMD").get(0)));
        String copied = docker.get("COPY").get(0).split(" ")[0];
        assertTrue(Files.readString(k8s.resolve("../relay/pom.xml")).contains("${project.build.directory}/"
                + Path.of(copied).getFileName()), "the Dockerfile copies the relay's runnable jar");

        // the manifests run this image as it was built
        StatefulSet relay = Manifests.overlay("prod").one(StatefulSet.class, "ampoule-relay");
        PodSpec pod = relay.getSpec().getTemplate().getSpec();
        String[] uidGid = user.split(":");
        assertEquals(Long.parseLong(uidGid[0]), pod.getSecurityContext().getRunAsUser());
        assertEquals(Long.parseLong(uidGid[1]), pod.getSecurityContext().getRunAsGroup());
        var c = pod.getContainers().get(0);
        assertEquals(Set.copyOf(ports), c.getPorts().stream().map(ContainerPort::getContainerPort).map(String::valueOf)
                .collect(Collectors.toSet()));
        assertTrue(c.getVolumeMounts().stream().anyMatch(v -> v.getMountPath().equals(workdir)), "the data volume");
        assertTrue(c.getCommand() == null || c.getCommand().isEmpty(), "the image's entrypoint");
        assertTrue(c.getArgs() == null || c.getArgs().isEmpty(), "the image's command");
        String image = text(child(child(jib, "to"), "image"));
        assertEquals("${image.name}:${project.version}", image);
        String expected = property(k8s.resolve("pom.xml"), "image.name") + ":" + System.getProperty("project.version");
        assertEquals(expected, c.getImage());
        assertTrue(pod.getInitContainers().stream().allMatch(i -> i.getImage().equals(expected)));
        JsonNode images = Kustomize.read(k8s.resolve("base/kustomization.yaml")).get(0).get("images").get(0);
        assertEquals(System.getProperty("project.version"), images.get("newTag").asText());
    }

    /**
     * The base built from Debian packages ({@code k8s/image/debian-base.sh}) carries the Java of the
     * default base, at least the release the project compiles for, and README names its output.
     */
    @Test
    void theDebianBaseHasTheJavaOfTheDefaultBase() throws Exception {
        Path k8s = Manifests.K8sDir.path();
        String base = property(k8s.resolve("pom.xml"), "image.base");
        Matcher version = Pattern.compile("eclipse-temurin:(\\d+)-jre").matcher(base);
        assertTrue(version.matches(), base);
        int major = Integer.parseInt(version.group(1));
        int release = Integer.parseInt(property(k8s.resolve("../pom.xml"), "maven.compiler.release"));
        assertTrue(release <= major, "the image's Java " + major + " runs classes for Java " + release);

        Path script = k8s.resolve("image/debian-base.sh");
        String text = Files.readString(script);
        assertTrue(text.contains("--include=openjdk-" + major + "-jre-headless,"), "the JRE package");
        assertTrue(text.contains("JAVA_HOME=/usr/lib/jvm/java-" + major + "-openjdk-$arch"), "JAVA_HOME");
        String output = "k8s/target/debian-jre" + major + "-base.tar";
        assertTrue(text.contains("out=${1:-" + output + "}"), "the default output " + output);
        assertTrue(Files.readString(k8s.resolve("../README.md")).contains("tar://$PWD/" + output),
                "README builds the image on the script's output");
        assertTrue(Files.isExecutable(script), script.toString());
        assertTrue(Files.isExecutable(k8s.resolve("image/run-image.sh")), "run-image.sh");
    }

    private static Element jibConfiguration(Path pom) throws Exception {
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
        NodeList plugins = doc.getElementsByTagName("plugin");
        for (int i = 0; i < plugins.getLength(); i++) {
            Element p = (Element) plugins.item(i);
            if ("jib-maven-plugin".equals(text(child(p, "artifactId")))) {
                return child(p, "configuration");
            }
        }
        throw new AssertionError("no jib-maven-plugin in " + pom);
    }

    private static String property(Path pom, String name) throws Exception {
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
        return doc.getElementsByTagName(name).item(0).getTextContent().trim();
    }

    private static Element child(Element e, String name) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && c.getTagName().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no <" + name + "> in <" + e.getTagName() + ">");
    }

    private static String text(Element e) {
        return e.getTextContent().trim();
    }

    private static List<String> texts(Element e) {
        List<String> out = new ArrayList<>();
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c) {
                out.add(text(c));
            }
        }
        return out;
    }

    /** Instruction → its arguments, one entry per occurrence; comments and blank lines left out. */
    private static Map<String, List<String>> dockerfile(Path file) throws Exception {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int sp = line.indexOf(' ');
            out.computeIfAbsent(line.substring(0, sp), k -> new ArrayList<>()).add(line.substring(sp + 1).trim());
        }
        return out;
    }

    private static List<String> json(String array) {
        return new JsonArray(array).stream().map(String::valueOf).toList();
    }
}

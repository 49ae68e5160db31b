package dev.ampoule.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.config.RelayConfig;
import dev.ampoule.relay.metrics.RelayMetrics;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rendered overlays agree with the relay: labels and selectors, ports, probe paths, the
 * environment variables' names (each one a setting of {@link RelayConfig}) and the configuration
 * they make together with the config file (built by {@link RelayConfig#from} as the relay would),
 * the shutdown timing, the pod's security, and the Hazelcast discovery settings.
 */
class ManifestConsistencyTest {

    private static final String RELAY = "ampoule-relay";
    private static final String HEADLESS = "ampoule-relay-hazelcast";
    /**
     * The cluster's discovery settings, set in the manifests before the relay reads them. While a key
     * here is not a setting of {@link RelayConfig} yet, its variable is only required to be well
     * named (and the relay reports it as ignored); once the cluster lands in RelayConfig it is
     * checked — and built — like every other setting, with no change to this test.
     */
    private static final List<String> PENDING_CLUSTER_KEYS = List.of("clusterEnabled", "clusterHost", "clusterPort",
            "clusterBusPort", "clusterMembers", "clusterKubernetesService");
    private static final int HAZELCAST_PORT = 5701;
    /** The event bus's port between nodes ({@code clusterBusPort}). */
    private static final int EVENT_BUS_PORT = 5711;
    /** The pod's address in the tests' stand-in for the kubelet. */
    private static final String POD_IP = "10.1.2.3";
    /** Variables of the pod that are not the relay's settings. */
    private static final Set<String> OTHER_ENV = Set.of("POD_NAMESPACE", "POD_IP", "JAVA_TOOL_OPTIONS");

    @TempDir
    Path tmp;

    static List<String> overlays() {
        return List.of("dev", "prod");
    }

    private static StatefulSet relay(Manifests m) {
        return m.one(StatefulSet.class, RELAY);
    }

    private static Container container(StatefulSet s) {
        return s.getSpec().getTemplate().getSpec().getContainers().stream().filter(c -> c.getName().equals("relay"))
                .findFirst().orElseThrow();
    }

    private static int port(Container c, String name) {
        return c.getPorts().stream().filter(p -> p.getName().equals(name)).mapToInt(ContainerPort::getContainerPort)
                .findFirst().orElseThrow(() -> new AssertionError("no container port " + name));
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void labelsSelectorsAndPorts(String overlay) {
        Manifests m = Manifests.overlay(overlay);
        StatefulSet s = relay(m);
        Map<String, String> selector = s.getSpec().getSelector().getMatchLabels();
        Map<String, String> podLabels = s.getSpec().getTemplate().getMetadata().getLabels();
        assertTrue(podLabels.entrySet().containsAll(selector.entrySet()), "the pods carry the selector's labels");
        Container c = container(s);
        Set<String> portNames = c.getPorts().stream().map(ContainerPort::getName).collect(Collectors.toSet());
        assertEquals(Set.of("client", "metrics", "hazelcast", "eventbus"), portNames);
        assertEquals(HAZELCAST_PORT, port(c, "hazelcast"));
        assertEquals(EVENT_BUS_PORT, port(c, "eventbus"));

        Service clients = m.one(Service.class, RELAY);
        assertEquals(selector, clients.getSpec().getSelector());
        assertEquals("None", clients.getSpec().getSessionAffinity(), "devices need no affinity");
        Service headless = m.one(Service.class, HEADLESS);
        assertEquals(selector, headless.getSpec().getSelector());
        assertEquals("None", headless.getSpec().getClusterIP());
        assertTrue(headless.getSpec().getPublishNotReadyAddresses(), "members find each other before they are ready");
        assertEquals(HEADLESS, s.getSpec().getServiceName());
        for (Service svc : List.of(clients, headless)) {
            for (ServicePort p : svc.getSpec().getPorts()) {
                String target = p.getTargetPort().getStrVal();
                assertTrue(portNames.contains(target), svc.getMetadata().getName() + " targets port " + target);
                assertEquals(port(c, target), p.getPort().intValue());
            }
        }
        assertEquals(List.of(HAZELCAST_PORT), headless.getSpec().getPorts().stream().map(ServicePort::getPort).toList());

        PodDisruptionBudget pdb = m.one(PodDisruptionBudget.class, RELAY);
        assertEquals(selector, pdb.getSpec().getSelector().getMatchLabels());
        assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntVal());

        HorizontalPodAutoscaler hpa = m.one(HorizontalPodAutoscaler.class, RELAY);
        assertEquals("StatefulSet", hpa.getSpec().getScaleTargetRef().getKind());
        assertEquals(RELAY, hpa.getSpec().getScaleTargetRef().getName());
        assertTrue(hpa.getSpec().getMetrics().stream().anyMatch(x -> x.getResource() != null
                && x.getResource().getName().equals("cpu")));
        for (MetricSpec x : hpa.getSpec().getMetrics()) {
            if (x.getPods() != null) {
                assertEquals(prometheus(RelayMetrics.CONNECTIONS), x.getPods().getMetric().getName(),
                        "a pods metric the relay exports");
            }
        }
        assertTrue(hpa.getSpec().getMinReplicas() >= 1 && hpa.getSpec().getMaxReplicas() >= hpa.getSpec().getMinReplicas());

        NetworkPolicy np = m.one(NetworkPolicy.class, RELAY);
        assertEquals(selector, np.getSpec().getPodSelector().getMatchLabels());
        assertEquals(List.of("Ingress"), np.getSpec().getPolicyTypes());
        Map<Integer, NetworkPolicyIngressRule> byPort = new HashMap<>();
        for (NetworkPolicyIngressRule rule : np.getSpec().getIngress()) {
            assertEquals(1, rule.getPorts().size(), "one port per rule");
            byPort.put(rule.getPorts().get(0).getPort().getIntVal(), rule);
        }
        assertEquals(Set.of(port(c, "client"), port(c, "metrics"), HAZELCAST_PORT, EVENT_BUS_PORT), byPort.keySet(),
                "every port, none else");
        for (int clusterPort : List.of(HAZELCAST_PORT, EVENT_BUS_PORT)) {
            NetworkPolicyIngressRule hz = byPort.get(clusterPort);
            assertEquals(1, hz.getFrom().size());
            assertEquals(selector, hz.getFrom().get(0).getPodSelector().getMatchLabels(),
                    "only relay pods reach the cluster's port " + clusterPort);
            assertEquals(null, hz.getFrom().get(0).getNamespaceSelector());
        }
        NetworkPolicyIngressRule client = byPort.get(port(c, "client"));
        assertEquals(1, client.getFrom().size());
        assertNotNull(client.getFrom().get(0).getNamespaceSelector(), "only the ingress controller's namespace");
        assertEquals(null, client.getFrom().get(0).getPodSelector());
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void podSecurityProbesAndShutdown(String overlay) {
        StatefulSet s = relay(Manifests.overlay(overlay));
        PodSpec pod = s.getSpec().getTemplate().getSpec();
        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        assertEquals(65532L, pod.getSecurityContext().getRunAsUser());
        assertFalse(pod.getEnableServiceLinks(), "no AMPOULE_RELAY_PORT from a Service named ampoule-relay");
        assertFalse(pod.getAutomountServiceAccountToken());
        List<Container> all = new java.util.ArrayList<>(pod.getContainers());
        if (pod.getInitContainers() != null) {
            all.addAll(pod.getInitContainers());
        }
        for (Container c : all) {
            assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem(), c.getName());
            assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation(), c.getName());
            assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop(), c.getName());
            assertFalse(c.getResources().getRequests().isEmpty(), c.getName() + " requests");
            assertFalse(c.getResources().getLimits().isEmpty(), c.getName() + " limits");
        }
        Container c = container(s);
        assertProbe(c.getLivenessProbe(), "/health");
        assertProbe(c.getStartupProbe(), "/health");
        assertProbe(c.getReadinessProbe(), "/ready");
        assertEquals("RollingUpdate", s.getSpec().getUpdateStrategy().getType());
        assertEquals(1, s.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable().getIntVal());
        assertTrue(pod.getTopologySpreadConstraints().stream()
                .anyMatch(t -> t.getTopologyKey().equals("topology.kubernetes.io/zone")));
        // the grace period covers the preStop wait, the relay's drain and its shutdown (at most 30 s more)
        long preStop = c.getLifecycle().getPreStop().getSleep().getSeconds();
        RelayConfig config = new PodConfig(Manifests.overlay(overlay), overlay, tmp).config();
        assertTrue(pod.getTerminationGracePeriodSeconds() >= preStop + config.shutdownGrace.toSeconds() + 30,
                "terminationGracePeriodSeconds " + pod.getTerminationGracePeriodSeconds());
    }

    private static void assertProbe(Probe p, String path) {
        assertNotNull(p, path);
        assertEquals(path, p.getHttpGet().getPath());
        assertEquals("metrics", p.getHttpGet().getPort().getStrVal(), "probes use the plain-HTTP metrics listener");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void environmentAndConfigFileMakeAValidRelayConfiguration(String overlay) {
        Manifests m = Manifests.overlay(overlay);
        PodConfig pod = new PodConfig(m, overlay, tmp);
        List<String> keys = RelayConfig.keys();
        Map<String, String> byEnv = new HashMap<>();
        keys.forEach(k -> byEnv.put(RelayConfig.envName(k), k));
        Set<String> pending = PENDING_CLUSTER_KEYS.stream().filter(k -> !keys.contains(k)).map(RelayConfig::envName)
                .collect(Collectors.toSet());
        for (String name : pod.env().keySet()) {
            if (OTHER_ENV.contains(name)) {
                continue;
            }
            assertTrue(byEnv.containsKey(name) || pending.contains(name), name + " names no setting of RelayConfig");
        }
        RelayConfig config = pod.config();
        assertEquals(pending.stream().filter(pod.env()::containsKey).collect(Collectors.toSet()),
                Set.copyOf(config.unknownEnvironment), "only the settings still to come are ignored");
        Container c = container(relay(m));
        assertEquals("0.0.0.0", config.host);
        assertEquals(port(c, "client"), config.port);
        assertEquals(port(c, "metrics"), config.metricsPort.orElseThrow(), "metrics on their own port");
        assertEquals("0.0.0.0", config.metricsHost);
        assertEquals(RelayConfig.StoreKind.POSTGRESQL, config.store);
        assertEquals(Path.of(mount(c, "data")), config.dataDir);
        assertTrue(config.postgresPasswordFile.orElseThrow().startsWith(mount(c, "db")));
        assertEquals("json", config.logFormat);
        assertTrue(config.fsync);
        if (overlay.equals("prod")) {
            assertFalse(config.usesDevKey(), "production verifies the provider's tokens");
            assertTrue(config.oidcIssuer.orElseThrow().startsWith("https://"));
            assertTrue(config.tlsCertPath.orElseThrow().startsWith(mount(c, "tls")));
            assertTrue(config.tlsKeyPath.orElseThrow().startsWith(mount(c, "tls")));
            assertFalse(config.allowDevKeyOnNetwork);
            assertTrue(relay(m).getSpec().getTemplate().getSpec().getInitContainers().stream()
                    .anyMatch(i -> i.getName().equals("install-external-sender-keys")), "keys from the operator's Secret");
        } else {
            assertTrue(config.usesDevKey() && config.allowDevKeyOnNetwork);
        }
        // the Hazelcast discovery settings: the port is the headless Service's, the service its DNS name
        assertEquals(Integer.toString(HAZELCAST_PORT), pod.env().get(RelayConfig.envName("clusterPort")));
        assertEquals(Integer.toString(EVENT_BUS_PORT), pod.env().get(RelayConfig.envName("clusterBusPort")));
        assertEquals(POD_IP, pod.env().get(RelayConfig.envName("clusterHost")),
                "the node binds and announces the pod's own address, which the others reach");
        assertEquals(HEADLESS + "." + pod.namespace() + ".svc.cluster.local",
                pod.env().get(RelayConfig.envName("clusterKubernetesService")));
        assertEquals("true", pod.env().get(RelayConfig.envName("clusterEnabled")));
        // the relay's config file is where the variable says, from the ConfigMap the pod mounts
        assertEquals(mount(c, "config") + "/relay.yaml", pod.rawEnv().get(RelayConfig.envName("configFile")));
        assertEquals(Duration.ofSeconds(20), config.pingInterval);
    }

    private static String mount(Container c, String volume) {
        return c.getVolumeMounts().stream().filter(v -> v.getName().equals(volume)).map(VolumeMount::getMountPath)
                .findFirst().orElseThrow(() -> new AssertionError("no mount of " + volume));
    }

    /** {@code ampoule.connections} → {@code ampoule_connections}. */
    static String prometheus(String meter) {
        return meter.replace('.', '_');
    }

    /**
     * The relay container's environment as the kubelet makes it: literal values, Secret and
     * ConfigMap keys (from the overlay's objects, or a stand-in for a Secret the operator creates),
     * the pod's namespace, {@code $(VAR)} references expanded; the config file from the overlay's
     * ConfigMap, written where the test can read it.
     */
    record PodConfig(Manifests m, String overlay, Path tmp) {

        String namespace() {
            return overlay.equals("dev") ? "ampoule-dev" : "ampoule";
        }

        Map<String, String> rawEnv() {
            Map<String, String> env = new LinkedHashMap<>();
            for (EnvVar v : container(relay(m)).getEnv()) {
                String value;
                if (v.getValue() != null) {
                    value = v.getValue();
                } else if (v.getValueFrom().getSecretKeyRef() != null) {
                    var ref = v.getValueFrom().getSecretKeyRef();
                    value = m.find(Secret.class, ref.getName()).map(s -> s.getStringData().get(ref.getKey()))
                            .orElse(Map.of("url", "postgresql://db.example:5432/ampoule", "user", "ampoule")
                                    .get(ref.getKey()));
                    assertNotNull(value, "Secret " + ref.getName() + " key " + ref.getKey());
                } else if (v.getValueFrom().getConfigMapKeyRef() != null) {
                    var ref = v.getValueFrom().getConfigMapKeyRef();
                    value = m.one(ConfigMap.class, ref.getName()).getData().get(ref.getKey());
                    assertNotNull(value, "ConfigMap " + ref.getName() + " key " + ref.getKey());
                } else if (v.getValueFrom().getFieldRef() != null) {
                    value = switch (v.getValueFrom().getFieldRef().getFieldPath()) {
                        case "metadata.namespace" -> namespace();
                        case "status.podIP" -> POD_IP;
                        default -> throw new AssertionError("a field the test does not stand in for: "
                                + v.getValueFrom().getFieldRef().getFieldPath());
                    };
                } else {
                    throw new AssertionError("an environment variable from nowhere: " + v.getName());
                }
                Matcher ref = Pattern.compile("\\$\\(([A-Z_]+)\\)").matcher(value);
                StringBuilder sb = new StringBuilder();
                while (ref.find()) {
                    String earlier = env.get(ref.group(1));
                    assertNotNull(earlier, v.getName() + " refers to " + ref.group(1) + ", which must come before it");
                    ref.appendReplacement(sb, Matcher.quoteReplacement(earlier));
                }
                ref.appendTail(sb);
                assertEquals(null, env.put(v.getName(), sb.toString()), "set twice: " + v.getName());
            }
            return env;
        }

        /** {@link #rawEnv()} with the config file's path replaced by a copy of the ConfigMap's file. */
        Map<String, String> env() {
            Map<String, String> env = new HashMap<>(rawEnv());
            String yaml = m.one(ConfigMap.class, "ampoule-relay-config").getData().get("relay.yaml");
            try {
                Path file = Files.writeString(tmp.resolve("relay-" + overlay + ".yaml"), yaml);
                env.put(RelayConfig.envName("configFile"), file.toString());
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            return env;
        }

        RelayConfig config() {
            return RelayConfig.from(new JsonObject(), env());
        }
    }
}

package dev.ampoule.k8s;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The rendered objects of an overlay as typed Kubernetes models (fabric8 kubernetes-model), each
 * checked for fields its type does not have. fabric8's models keep unknown fields in
 * {@code additionalProperties} instead of failing, so every model object reachable from the root is
 * walked and any non-empty {@code additionalProperties} is an error naming the field — a misspelt
 * {@code readinessProbe} or {@code maxUnavailabe} would otherwise pass.
 */
record Manifests(List<HasMetadata> objects) {

    /** The kinds these manifests use, by {@code apiVersion/kind}. */
    private static final Map<String, Class<? extends HasMetadata>> TYPES = Map.of(
            "v1/Namespace", Namespace.class,
            "v1/ServiceAccount", ServiceAccount.class,
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class,
            "v1/Service", Service.class,
            "apps/v1/StatefulSet", StatefulSet.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
            "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
            "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class);

    /** Renders the overlay {@code k8s/overlays/<name>} and parses every object. */
    static Manifests overlay(String name) {
        return parse(Kustomize.render(K8sDir.path().resolve("overlays").resolve(name)));
    }

    static Manifests parse(List<ObjectNode> nodes) {
        List<HasMetadata> out = new ArrayList<>();
        for (ObjectNode n : nodes) {
            String type = n.path("apiVersion").asText() + "/" + n.path("kind").asText();
            Class<? extends HasMetadata> cls = TYPES.get(type);
            if (cls == null) {
                throw new AssertionError("a kind the tests do not know: " + type);
            }
            HasMetadata o;
            try {
                o = Kustomize.JSON.treeToValue(n, cls);
            } catch (Exception e) {
                throw new AssertionError(type + " " + n.path("metadata").path("name") + " does not parse: " + e.getMessage(), e);
            }
            List<String> unknown = new ArrayList<>();
            unknownFields(o, type + " " + o.getMetadata().getName(), unknown, new IdentityHashMap<>());
            if (!unknown.isEmpty()) {
                throw new AssertionError("fields the Kubernetes API does not have: " + unknown);
            }
            out.add(o);
        }
        return new Manifests(List.copyOf(out));
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> type, String name) {
        return find(type, name).orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
    }

    <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
        return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
    }

    /** Walks the model's getters; every object with a non-empty {@code getAdditionalProperties()} is reported. */
    private static void unknownFields(Object o, String where, List<String> out, Map<Object, Boolean> seen) {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object item : c) {
                unknownFields(item, where + "[" + i++ + "]", out, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                unknownFields(e.getValue(), where + "." + e.getKey(), out, seen);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object v;
            try {
                v = m.invoke(o);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    out.add(where + ": " + extra.keySet());
                }
                continue;
            }
            if (Set.of("getClass", "getApiVersion", "getKind").contains(m.getName())) {
                continue;
            }
            unknownFields(v, where + "." + m.getName().substring(3, 4).toLowerCase() + m.getName().substring(4), out, seen);
        }
    }

    /** The {@code k8s} directory: the module's own (Maven sets {@code k8s.dir}). */
    static final class K8sDir {
        private K8sDir() {
        }

        static Path path() {
            return Path.of(System.getProperty("k8s.dir", ".")).toAbsolutePath();
        }
    }
}

package dev.ampoule.relay.admin;

import static dev.ampoule.relay.support.RelayHarness.await;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.RequestUtils;
import io.vertx.openapi.validation.RequestValidator;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The admin API's OpenAPI contract ({@link AdminApi#OPENAPI_RESOURCE}) and its validators
 * (vertx-openapi). vertx-openapi 5.0 reads JSON, multipart and text bodies only, so the contract
 * it is given maps the two other media types of the file ({@code application/yaml},
 * {@code application/x-ndjson}) to {@code text/plain} without a schema; tests check those bodies
 * themselves (each NDJSON line against the {@code AuditEntry} schema).
 */
public final class ContractCheck {

    /** Header by which a test request finds the server-side verdict on it. */
    public static final String CHECK_HEADER = "X-Contract-Check";
    private static final Map<String, String> UNSUPPORTED = Map.of("application/yaml", "text/plain",
            "application/x-ndjson", "text/plain");

    public final String text;
    public final JsonObject raw;
    public final OpenAPIContract contract;
    private final RequestValidator requests;
    private final ResponseValidator responses;
    private final Vertx vertx;
    /** Check id → the request's validation failure, or empty if it conformed. */
    private final Map<String, Optional<Throwable>> verdicts = new ConcurrentHashMap<>();

    private ContractCheck(Vertx vertx, String text, JsonObject raw, OpenAPIContract contract) {
        this.vertx = vertx;
        this.text = text;
        this.raw = raw;
        this.contract = contract;
        this.requests = RequestValidator.create(vertx, contract);
        this.responses = ResponseValidator.create(vertx, contract);
    }

    public static ContractCheck load(Vertx vertx) {
        String text;
        try (InputStream in = ContractCheck.class.getClassLoader().getResourceAsStream(AdminApi.OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new AssertionError("no " + AdminApi.OPENAPI_RESOURCE + " on the class path");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        Object yaml = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        if (!(yaml instanceof Map<?, ?> map)) {
            throw new AssertionError("the contract is not a YAML mapping");
        }
        JsonObject raw = toJson(map);
        JsonObject forValidator = raw.copy();
        JsonObject paths = forValidator.getJsonObject("paths");
        for (String p : paths.fieldNames()) {
            JsonObject item = paths.getJsonObject(p);
            for (String method : item.fieldNames()) {
                if (item.getValue(method) instanceof JsonObject op && op.getJsonObject("responses") != null) {
                    JsonObject rs = op.getJsonObject("responses");
                    for (String status : rs.fieldNames()) {
                        JsonObject content = rs.getJsonObject(status).getJsonObject("content");
                        if (content != null) {
                            for (Map.Entry<String, String> u : UNSUPPORTED.entrySet()) {
                                if (content.containsKey(u.getKey())) {
                                    content.remove(u.getKey());
                                    content.put(u.getValue(), new JsonObject());
                                }
                            }
                        }
                    }
                }
            }
        }
        OpenAPIContract contract = await(OpenAPIContract.from(vertx, forValidator));
        return new ContractCheck(vertx, text, raw, contract);
    }

    private static JsonObject toJson(Map<?, ?> map) {
        JsonObject o = new JsonObject();
        map.forEach((k, v) -> o.put(String.valueOf(k), toJsonValue(v)));
        return o;
    }

    private static Object toJsonValue(Object v) {
        if (v instanceof Map<?, ?> m) {
            return toJson(m);
        }
        if (v instanceof List<?> l) {
            JsonArray a = new JsonArray();
            l.forEach(x -> a.add(toJsonValue(x)));
            return a;
        }
        return v;
    }

    /** Server side, before the API's routes: validates the request and files the verdict under its check id. */
    public void checkRequest(RoutingContext ctx) {
        String id = ctx.request().getHeader(CHECK_HEADER);
        Operation op = contract.findOperation(ctx.request().path(), ctx.request().method());
        if (id == null) {
            ctx.next();
            return;
        }
        if (op == null) {
            verdicts.put(id, Optional.of(new AssertionError("no operation for " + ctx.request().method() + " "
                    + ctx.request().path())));
            ctx.next();
            return;
        }
        Buffer body = ctx.body().buffer();
        Future<?> validated;
        try {
            validated = RequestUtils.extract(ctx.request(), op,
                    () -> Future.succeededFuture(body == null ? Buffer.buffer() : body))
                    .compose(req -> requests.validate(req, op.getOperationId()));
        } catch (RuntimeException unreadable) {
            // e.g. a query string that is not valid percent-encoding: not a conforming request
            validated = Future.failedFuture(unreadable);
        }
        validated
                .onComplete(ar -> {
                    verdicts.put(id, ar.failed() ? Optional.of(ar.cause()) : Optional.empty());
                    ctx.next();
                });
    }

    /** The server-side verdict on the request with check id {@code id}: empty if it conformed. */
    public Optional<Throwable> verdict(String id) {
        Optional<Throwable> v = verdicts.remove(id);
        if (v == null) {
            throw new AssertionError("the request " + id + " was not checked against the contract");
        }
        return v;
    }

    /** Validates a response of the operation at {@code path} against the contract; throws if it does not conform. */
    public void checkResponse(HttpMethod method, String path, int status, MultiMap headers, Buffer body) {
        Operation op = contract.findOperation(path, method);
        if (op == null) {
            throw new AssertionError("no operation in the contract for " + method + " " + path);
        }
        String type = headers.get("Content-Type");
        String mapped = type == null ? null : UNSUPPORTED.getOrDefault(type, type);
        Map<String, String> declared = new HashMap<>();
        for (String h : List.of("Location", "WWW-Authenticate")) {
            if (headers.get(h) != null) {
                declared.put(h, headers.get(h));
            }
        }
        ValidatableResponse response = body == null || body.length() == 0
                ? ValidatableResponse.create(status, declared)
                : ValidatableResponse.create(status, declared, body, mapped);
        try {
            await(responses.validate(response, op.getOperationId()));
        } catch (AssertionError e) {
            throw new AssertionError("response " + status + " of " + method + " " + path
                    + " does not conform to the contract: " + e.getCause() + "\n" + (body == null ? "" : body), e);
        }
    }

    /** Validates a JSON value against a schema of {@code components/schemas}. */
    public void checkSchema(String schemaName, Object value) {
        var schema = io.vertx.json.schema.JsonSchema.of(raw.getJsonObject("components").getJsonObject("schemas")
                .getJsonObject(schemaName));
        var result = contract.getSchemaRepository().validator(schema).validate(value);
        if (!result.getValid()) {
            throw new AssertionError(schemaName + " does not accept " + value + ": " + result.getErrors());
        }
    }

    Vertx vertx() {
        return vertx;
    }
}

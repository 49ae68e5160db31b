package dev.ampoule.mls.interop;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A ts-mls client held by the Node.js driver under a unique name. Every operation is one driver
 * request, which makes one ts-mls call.
 */
final class TsClient implements Client {

    private final TsMlsDriver driver;
    private final String name;
    private final boolean publicHandshake;
    private byte[] keyPackage;
    private TsMlsDriver.Response status;
    private final List<ObjectNode> externalSenders = new ArrayList<>();

    /**
     * @param publicHandshake whether Proposals and Commits go out as PublicMessage
     * @param asTsMlsEncodes keep ts-mls's own encoding of ECDSA signature keys (see README)
     */
    TsClient(TsMlsDriver driver, String name, int suite, boolean publicHandshake, boolean asTsMlsEncodes) {
        this.driver = driver;
        this.name = name;
        this.publicHandshake = publicHandshake;
        this.keyPackage = driver.request("newClient").put("name", name).put("suite", suite)
                .put("asTsMlsEncodes", asTsMlsEncodes).call().bytes("keyPackage");
    }

    TsClient(TsMlsDriver driver, String name, int suite, boolean publicHandshake) {
        this(driver, name, suite, publicHandshake, false);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Impl impl() {
        return Impl.TS_MLS;
    }

    @Override
    public byte[] keyPackage() {
        if (keyPackage != null) {
            byte[] first = keyPackage;
            keyPackage = null;
            return first;
        }
        return driver.request("keyPackage").put("name", name).call().bytes("keyPackage");
    }

    @Override
    public void create(byte[] groupId) {
        status = driver.request("createGroup").put("name", name).put("groupId", groupId)
                .putObjects("externalSenders", externalSenders).call();
    }

    /**
     * The next {@link #create} puts an external sender into the group's external_senders extension,
     * which ts-mls writes its own way (see interop/README.md).
     */
    void withExternalSender(byte[] signatureKey, String identity) {
        externalSenders.add(TsMlsDriver.object().put("signatureKey", HexFormat.of().formatHex(signatureKey))
                .put("identity", identity));
    }

    @Override
    public void join(byte[] welcome) {
        status = driver.request("join").put("name", name).put("welcome", welcome).call();
    }

    @Override
    public byte[] joinExternal(byte[] groupInfo) {
        status = driver.request("joinExternal").put("name", name).put("groupInfo", groupInfo).call();
        return status.bytes("commit");
    }

    @Override
    public byte[] resync(byte[] groupInfo) {
        status = driver.request("joinExternal").put("name", name).put("groupInfo", groupInfo).put("resync", true)
                .call();
        return status.bytes("commit");
    }

    @Override
    public Sent commit(List<byte[]> adds, List<Integer> removes) {
        status = driver.request("commit").put("name", name).put("public", publicHandshake)
                .putHexList("adds", adds).putIntList("removes", removes).call();
        return new Sent(status.bytes("commit"),
                status.has("welcome") ? Optional.of(status.bytes("welcome")) : Optional.empty());
    }

    @Override
    public byte[] proposeAdd(byte[] keyPackage) {
        return driver.request("proposeAdd").put("name", name).put("public", publicHandshake)
                .put("keyPackage", keyPackage).call().bytes("proposal");
    }

    @Override
    public byte[] proposeRemove(int leafIndex) {
        return driver.request("proposeRemove").put("name", name).put("public", publicHandshake)
                .put("leaf", leafIndex).call().bytes("proposal");
    }

    @Override
    public byte[] encrypt(byte[] data) {
        return driver.request("encrypt").put("name", name).put("data", data).call().bytes("message");
    }

    @Override
    public Received process(byte[] message) {
        boolean wasActive = active();
        status = driver.request("process").put("name", name).put("message", message).call();
        return switch (status.text("kind")) {
            case "application" -> new Received.Application(status.bytes("data"));
            case "commit" -> new Received.Commit(wasActive && !active());
            default -> new Received.Proposal();
        };
    }

    private TsMlsDriver.Response status() {
        if (status == null) {
            status = driver.request("status").put("name", name).call();
        }
        return status;
    }

    @Override
    public long epoch() {
        return status().number("epoch");
    }

    @Override
    public byte[] epochAuthenticator() {
        return status().bytes("epochAuthenticator");
    }

    @Override
    public byte[] exporter(String label, byte[] context, int length) {
        return driver.request("exporter").put("name", name).put("label", label).put("context", context)
                .put("length", length).call().bytes("secret");
    }

    @Override
    public boolean active() {
        return status != null && "active".equals(status.text("state"));
    }

    @Override
    public int leafIndex() {
        return (int) status().number("leafIndex");
    }

    @Override
    public byte[] groupInfo(Impl reader) {
        return driver.request("groupInfo").put("name", name).put("rfcExternalPub", reader != Impl.TS_MLS).call()
                .bytes("groupInfo");
    }

    @Override
    public String toString() {
        return name + " (" + impl() + ")";
    }
}

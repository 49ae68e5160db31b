package dev.ampoule.mls.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.HpkeCiphertext;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.extension.ApplicationId;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.extension.ExtensionType;
import dev.ampoule.mls.extension.ExternalPub;
import dev.ampoule.mls.extension.ExternalSenders;
import dev.ampoule.mls.extension.RequiredCapabilities;
import dev.ampoule.mls.framing.AuthenticatedContent;
import dev.ampoule.mls.framing.ContentType;
import dev.ampoule.mls.framing.FramedContent;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.PrivateMessage;
import dev.ampoule.mls.framing.PrivateMessageContent;
import dev.ampoule.mls.framing.PublicMessage;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.framing.SenderData;
import dev.ampoule.mls.group.FuzzGroups;
import dev.ampoule.mls.group.Group;
import dev.ampoule.mls.group.PublicGroup;
import dev.ampoule.mls.message.AddProposal;
import dev.ampoule.mls.message.Commit;
import dev.ampoule.mls.message.EncryptedGroupSecrets;
import dev.ampoule.mls.message.ExternalInitProposal;
import dev.ampoule.mls.message.GroupContextExtensionsProposal;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.message.GroupSecrets;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.KeyPackageRef;
import dev.ampoule.mls.message.PreSharedKeyProposal;
import dev.ampoule.mls.message.Proposal;
import dev.ampoule.mls.message.ProposalRef;
import dev.ampoule.mls.message.ReInitProposal;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.mls.message.UpdateProposal;
import dev.ampoule.mls.message.Welcome;
import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.schedule.PreSharedKeyId;
import dev.ampoule.mls.tree.Capabilities;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.Lifetime;
import dev.ampoule.mls.tree.ParentNode;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.mls.treekem.UpdatePath;
import dev.ampoule.mls.vectors.VectorSeeds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzz target {@code mls-structs}: every wire struct decoder of the library on its own (RFC 9420
 * §5–§12: messages, proposals, commits, trees and their nodes, extensions, credentials, secrets'
 * containers, decrypted contents) and the saved states of a group. The first input byte picks the
 * decoder, the second a cipher suite (for the tree, whose checks depend on one); the rest is the
 * struct. Decoding fails only with a {@link DecodeException}; what decodes re-encodes to the same
 * bytes. A decoded ratchet tree then goes through a joiner's checks
 * ({@link RatchetTree#verifyIntegrity}), which refuse with a {@link ValidationException} only.
 * Seeds: the structs of the official vectors and of a live group, made at test time.
 */
class StructDecodersFuzzTest {

    /** Decodes a struct strictly and returns its re-encoding; the suite is for suite-dependent structs. */
    private record Codec(String name, BiFunction<CipherSuite, byte[], byte[]> roundTrip) {}

    private static final FuzzGroups GROUPS = FuzzGroups.create();

    private static final List<CipherSuite> SUITES = Arrays.stream(CipherSuiteId.values()).map(BcCipherSuites::of)
            .toList();

    private static final List<Codec> CODECS = List.of(
            struct("mls_message", MlsMessage::decode),
            struct("welcome", Welcome::decode),
            struct("group_info", GroupInfo::decode),
            struct("key_package", KeyPackage::decode),
            struct("group_secrets", GroupSecrets::decode),
            struct("encrypted_group_secrets", EncryptedGroupSecrets::decode),
            struct("proposal", Proposal::decode),
            body("add_proposal", AddProposal::decodeBody, AddProposal::encodeBody),
            body("update_proposal", UpdateProposal::decodeBody, UpdateProposal::encodeBody),
            body("remove_proposal", RemoveProposal::decodeBody, RemoveProposal::encodeBody),
            body("pre_shared_key_proposal", PreSharedKeyProposal::decodeBody, PreSharedKeyProposal::encodeBody),
            body("re_init_proposal", ReInitProposal::decodeBody, ReInitProposal::encodeBody),
            body("external_init_proposal", ExternalInitProposal::decodeBody, ExternalInitProposal::encodeBody),
            body("group_context_extensions_proposal", GroupContextExtensionsProposal::decodeBody,
                    GroupContextExtensionsProposal::encodeBody),
            struct("commit", Commit::decode),
            struct("update_path", UpdatePath::decode),
            struct("leaf_node", LeafNode::decode),
            struct("parent_node", ParentNode::decode),
            struct("capabilities", Capabilities::decode),
            struct("lifetime", Lifetime::decode),
            struct("group_context", GroupContext::decode),
            new Codec("extensions", (s, b) -> rt(b, r -> r.vector(Extension::decode), TlsWriter::vector)),
            struct("external_senders", ExternalSenders::decode),
            struct("required_capabilities", RequiredCapabilities::decode),
            struct("external_pub", ExternalPub::decode),
            struct("application_id", ApplicationId::decode),
            struct("credential", Credential::decode),
            struct("framed_content", FramedContent::decode),
            struct("authenticated_content", AuthenticatedContent::decode),
            struct("public_message", PublicMessage::decode),
            struct("private_message", PrivateMessage::decode),
            struct("sender_data", SenderData::decode),
            struct("sender", Sender::decode),
            struct("pre_shared_key_id", PreSharedKeyId::decode),
            struct("key_package_ref", KeyPackageRef::decode),
            struct("proposal_ref", ProposalRef::decode),
            struct("hpke_ciphertext", HpkeCiphertext::decode),
            new Codec("opaque", (s, b) -> rt(b, TlsReader::opaque, TlsWriter::opaque)),
            content("private_message_content_application", ContentType.APPLICATION),
            content("private_message_content_proposal", ContentType.PROPOSAL),
            content("private_message_content_commit", ContentType.COMMIT),
            new Codec("ratchet_tree", StructDecodersFuzzTest::ratchetTree),
            new Codec("saved_group", (s, b) -> Group.restore(b, GROUPS.config).toBytes()),
            new Codec("saved_public_group", (s, b) -> PublicGroup.restore(b, GROUPS.config).toBytes()));

    /** Vector fields and the codec that reads them. */
    private static final Map<String, String> VECTOR_FIELDS = Map.ofEntries(
            Map.entry("ratchet_tree", "ratchet_tree"), Map.entry("tree", "ratchet_tree"),
            Map.entry("tree_before", "ratchet_tree"), Map.entry("tree_after", "ratchet_tree"),
            Map.entry("group_secrets", "group_secrets"), Map.entry("add_proposal", "add_proposal"),
            Map.entry("update_proposal", "update_proposal"), Map.entry("remove_proposal", "remove_proposal"),
            Map.entry("pre_shared_key_proposal", "pre_shared_key_proposal"),
            Map.entry("re_init_proposal", "re_init_proposal"),
            Map.entry("external_init_proposal", "external_init_proposal"),
            Map.entry("group_context_extensions_proposal", "group_context_extensions_proposal"),
            Map.entry("commit", "commit"), Map.entry("proposal", "proposal"), Map.entry("update_path", "update_path"),
            Map.entry("authenticated_content", "authenticated_content"));

    static List<byte[]> seeds() {
        List<byte[]> out = new ArrayList<>();
        for (String file : List.of("messages.json", "tree-validation.json", "treekem.json", "tree-operations.json",
                "transcript-hashes.json", "message-protection.json")) {
            for (VectorSeeds.Field f : VectorSeeds.spread(VectorSeeds.fields(file, VECTOR_FIELDS.keySet()), 15)) {
                String codec = file.equals("message-protection.json") && f.name().equals("commit") ? "commit"
                        : VECTOR_FIELDS.get(f.name());
                out.add(seed(codec, f.cipherSuite(), f.bytes()));
            }
        }
        VectorSeeds.spread(VectorSeeds.mlsMessages(), 20).forEach(m -> out.add(seed("mls_message", 0, m)));
        live(out);
        return out;
    }

    /** The structs of a live group. */
    private static void live(List<byte[]> out) {
        Group bob = GROUPS.receiver;
        out.add(seed("saved_group", 0, bob.toBytes()));
        out.add(seed("saved_public_group", 0, GROUPS.deliveryService.toBytes()));
        out.add(seed("group_context", 0, bob.groupContext().toBytes()));
        out.add(seed("extensions", 0, new TlsWriter().vector(bob.groupContext().extensions()).toByteArray()));
        bob.members().forEach(m -> {
            out.add(seed("leaf_node", 0, m.leafNode().toBytes()));
            out.add(seed("credential", 0, m.credential().toBytes()));
        });
        GroupInfo info = bob.groupInfo(true);
        for (Extension e : info.extensions()) {
            String codec = switch (e.type()) {
                case ExtensionType.RATCHET_TREE -> "ratchet_tree";
                case ExtensionType.EXTERNAL_PUB -> "external_pub";
                default -> null;
            };
            if (codec != null) {
                out.add(seed(codec, FuzzGroups.SUITE.id().wire(), e.data()));
            }
        }
        for (Extension e : bob.groupContext().extensions()) {
            if (e.type() == ExtensionType.EXTERNAL_SENDERS) {
                out.add(seed("external_senders", 0, e.data()));
            } else if (e.type() == ExtensionType.REQUIRED_CAPABILITIES) {
                out.add(seed("required_capabilities", 0, e.data()));
            }
        }
        for (byte[] m : GROUPS.messages) {
            out.add(seed("mls_message", 0, m));
            switch (MlsMessage.fromBytes(m)) {
                case MlsMessage.OfPublicMessage pm -> {
                    out.add(seed("public_message", 0, pm.message().toBytes()));
                    out.add(seed("framed_content", 0, pm.message().content().toBytes()));
                }
                case MlsMessage.OfPrivateMessage pm -> out.add(seed("private_message", 0, pm.message().toBytes()));
                case MlsMessage.OfWelcome w -> out.add(seed("welcome", 0, w.welcome().toBytes()));
                case MlsMessage.OfGroupInfo gi -> out.add(seed("group_info", 0, gi.groupInfo().toBytes()));
                case MlsMessage.OfKeyPackage kp -> out.add(seed("key_package", 0, kp.keyPackage().toBytes()));
            }
        }
    }

    @MethodSource("seeds")
    @FuzzTest
    void decode(byte[] data) {
        decodes(data);
    }

    /** The seeds are worth mutating: each one decodes (and round-trips). */
    @Test
    void theSeedsDecode() {
        for (byte[] seed : seeds()) {
            assertTrue(decodes(seed), () -> CODECS.get(seed[0]).name() + " refused a seed");
        }
    }

    /** Whether the struct decoded; if so, it re-encoded to the same bytes. */
    private static boolean decodes(byte[] data) {
        if (data.length < 2) {
            return false;
        }
        Codec codec = CODECS.get((data[0] & 0xFF) % CODECS.size());
        CipherSuite suite = SUITES.get((data[1] & 0xFF) % SUITES.size());
        byte[] body = Arrays.copyOfRange(data, 2, data.length);
        byte[] again;
        try {
            again = codec.roundTrip().apply(suite, body);
        } catch (DecodeException refused) {
            return false;
        }
        assertArrayEquals(body, again, () -> codec.name() + " must re-encode to the bytes it was decoded from");
        return true;
    }

    private static byte[] ratchetTree(CipherSuite suite, byte[] body) {
        RatchetTree tree = RatchetTree.decode(suite, body);
        byte[] encoded = tree.toBytes();
        try {
            tree.treeHash();
            tree.verifyIntegrity(GROUPS.receiver.groupId());
        } catch (ValidationException refused) {
            // a typed refusal
        }
        return encoded;
    }

    private static byte[] seed(String codec, int suiteWire, byte[] body) {
        int index = -1;
        for (int i = 0; i < CODECS.size(); i++) {
            if (CODECS.get(i).name().equals(codec)) {
                index = i;
            }
        }
        if (index < 0) {
            throw new IllegalArgumentException(codec);
        }
        int suite = Math.max(0, SUITES.indexOf(BcCipherSuites.byWire(suiteWire).orElse(FuzzGroups.SUITE)));
        byte[] out = new byte[body.length + 2];
        out[0] = (byte) index;
        out[1] = (byte) suite;
        System.arraycopy(body, 0, out, 2, body.length);
        return out;
    }

    private static <T extends TlsEncodable> Codec struct(String name, Decoder<T> decoder) {
        return new Codec(name, (s, b) -> TlsReader.decodeExactly(b, decoder).toBytes());
    }

    /** A proposal body: its own encoder, without the proposal type. */
    private static <T> Codec body(String name, Decoder<T> decoder, BiConsumerWriter<T> encoder) {
        return new Codec(name, (s, b) -> rt(b, decoder, (w, v) -> encoder.write(v, w)));
    }

    private static Codec content(String name, ContentType type) {
        return new Codec(name, (s, b) -> {
            TlsWriter w = new TlsWriter();
            PrivateMessageContent.decode(b, type).encode(w);
            return w.toByteArray();
        });
    }

    private static <T> byte[] rt(byte[] b, Decoder<T> decoder, Encoder<T> encoder) {
        T value = TlsReader.decodeExactly(b, decoder);
        TlsWriter w = new TlsWriter();
        encoder.encode(w, value);
        return w.toByteArray();
    }

    @FunctionalInterface
    private interface BiConsumerWriter<T> {
        void write(T value, TlsWriter w);
    }
}

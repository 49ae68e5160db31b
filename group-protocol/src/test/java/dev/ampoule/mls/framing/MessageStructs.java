package dev.ampoule.mls.framing;

import dev.ampoule.mls.codec.Decoder;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.message.AddProposal;
import dev.ampoule.mls.message.Commit;
import dev.ampoule.mls.message.ExternalInitProposal;
import dev.ampoule.mls.message.GroupContextExtensionsProposal;
import dev.ampoule.mls.message.GroupSecrets;
import dev.ampoule.mls.message.PreSharedKeyProposal;
import dev.ampoule.mls.message.ReInitProposal;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.mls.message.UpdateProposal;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.mls.vectors.TestVectors;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** The structs of messages.json, each with the codec that decodes and re-encodes it. */
final class MessageStructs {

    static final String FILE = "messages.json";

    /** One case of messages.json. */
    record Case(byte[] mlsWelcome, byte[] mlsGroupInfo, byte[] mlsKeyPackage, byte[] ratchetTree,
            byte[] groupSecrets, byte[] addProposal, byte[] updateProposal, byte[] removeProposal,
            byte[] preSharedKeyProposal, byte[] reInitProposal, byte[] externalInitProposal,
            byte[] groupContextExtensionsProposal, byte[] commit, byte[] publicMessageApplication,
            byte[] publicMessageProposal, byte[] publicMessageCommit, byte[] privateMessage) {}

    /**
     * One struct to check: its name, its bytes, and a round trip that decodes the bytes strictly
     * and returns the re-encoding.
     */
    record Struct(String name, byte[] bytes, Function<byte[], byte[]> roundTrip) {
        @Override
        public String toString() {
            return name + " (" + bytes.length + " bytes)";
        }
    }

    private MessageStructs() {}

    static List<Case> cases() {
        return TestVectors.load(FILE, Case.class);
    }

    static List<Struct> structs(Case c) {
        List<Struct> out = new ArrayList<>();
        out.add(new Struct("mls_welcome", c.mlsWelcome(), b -> MlsMessage.fromBytes(b).toBytes()));
        out.add(new Struct("mls_group_info", c.mlsGroupInfo(), b -> MlsMessage.fromBytes(b).toBytes()));
        out.add(new Struct("mls_key_package", c.mlsKeyPackage(), b -> MlsMessage.fromBytes(b).toBytes()));
        out.add(new Struct("ratchet_tree", c.ratchetTree(), MessageStructs::ratchetTreeRoundTrip));
        out.add(new Struct("group_secrets", c.groupSecrets(), rt(GroupSecrets::decode, GroupSecrets::encode)));
        out.add(new Struct("add_proposal", c.addProposal(), rt(AddProposal::decodeBody, AddProposal::encodeBody)));
        out.add(new Struct("update_proposal", c.updateProposal(),
                rt(UpdateProposal::decodeBody, UpdateProposal::encodeBody)));
        out.add(new Struct("remove_proposal", c.removeProposal(),
                rt(RemoveProposal::decodeBody, RemoveProposal::encodeBody)));
        out.add(new Struct("pre_shared_key_proposal", c.preSharedKeyProposal(),
                rt(PreSharedKeyProposal::decodeBody, PreSharedKeyProposal::encodeBody)));
        out.add(new Struct("re_init_proposal", c.reInitProposal(),
                rt(ReInitProposal::decodeBody, ReInitProposal::encodeBody)));
        out.add(new Struct("external_init_proposal", c.externalInitProposal(),
                rt(ExternalInitProposal::decodeBody, ExternalInitProposal::encodeBody)));
        out.add(new Struct("group_context_extensions_proposal", c.groupContextExtensionsProposal(),
                rt(GroupContextExtensionsProposal::decodeBody, GroupContextExtensionsProposal::encodeBody)));
        out.add(new Struct("commit", c.commit(), rt(Commit::decode, Commit::encode)));
        out.add(new Struct("public_message_application", c.publicMessageApplication(),
                b -> MlsMessage.fromBytes(b).toBytes()));
        out.add(new Struct("public_message_proposal", c.publicMessageProposal(),
                b -> MlsMessage.fromBytes(b).toBytes()));
        out.add(new Struct("public_message_commit", c.publicMessageCommit(),
                b -> MlsMessage.fromBytes(b).toBytes()));
        out.add(new Struct("private_message", c.privateMessage(), b -> MlsMessage.fromBytes(b).toBytes()));
        return out;
    }

    private static <T> Function<byte[], byte[]> rt(Decoder<T> decoder, Encoder<T> encoder) {
        return b -> {
            T value = TlsReader.decodeExactly(b, decoder);
            TlsWriter w = new TlsWriter(b.length + 16);
            encoder.encode(value, w);
            return w.toByteArray();
        };
    }

    /** A method reference {@code X::encode} / {@code X::encodeBody} taking the writer. */
    @FunctionalInterface
    interface Encoder<T> {
        void encode(T value, TlsWriter w);
    }

    /**
     * messages.json names no cipher suite; the ratchet tree's encoding does not depend on one, so
     * suite 1 serves for decoding.
     */
    private static byte[] ratchetTreeRoundTrip(byte[] b) {
        return RatchetTree.decode(BcCipherSuites.of(CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519), b)
                .toBytes();
    }
}

package dev.secateur.serve.engine;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.secateur.onnx.ExportManifest;
import dev.secateur.onnx.ModelExport;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads {@code secateur.kind} from model.onnx's metadata_props without materialising the graph (the
 * ModelProto fields in between are skipped). The fallback for versions whose manifest.json records no kind (published
 * before manifests carried one), and the diagnosis when a graph does not open as the kind its manifest says.
 */
final class OnnxKind {

    static final String ENCODER = ExportManifest.ENCODER;
    static final String DECODER = ExportManifest.DECODER;
    /** ModelProto.metadata_props. */
    private static final int METADATA_PROPS = 14;

    private OnnxKind() {
    }

    /** "encoder" or "decoder"; a file without the entry (or one that does not parse) counts as a decoder. */
    static String of(Path model) {
        return recorded(model).orElse(DECODER);
    }

    /** The value of secateur.kind, or empty when the file has no such entry or does not parse. */
    static Optional<String> recorded(Path model) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(model), 1 << 16)) {
            CodedInputStream c = CodedInputStream.newInstance(in);
            c.setSizeLimit(Integer.MAX_VALUE);
            while (true) {
                int tag = c.readTag();
                if (tag == 0) {
                    return Optional.empty();
                }
                if (WireFormat.getTagFieldNumber(tag) == METADATA_PROPS
                        && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    int old = c.pushLimit(c.readRawVarint32());
                    String key = null;
                    String value = null;
                    for (int t = c.readTag(); t != 0; t = c.readTag()) {
                        switch (WireFormat.getTagFieldNumber(t)) {
                            case 1 -> key = c.readString();
                            case 2 -> value = c.readString();
                            default -> c.skipField(t);
                        }
                    }
                    c.popLimit(old);
                    if (ModelExport.KIND.equals(key)) {
                        return Optional.of(ENCODER.equals(value) ? ENCODER : DECODER);
                    }
                } else if (!c.skipField(tag)) {
                    return Optional.empty();
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not a parseable ONNX file: the decoder path reports the load failure as before.
            return Optional.empty();
        }
    }
}

package dev.secateur.serve.engine;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.secateur.onnx.ModelExport;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads {@code secateur.kind} from model.onnx's metadata_props without materialising the graph (the
 * ModelProto fields in between are skipped), so the factory can choose the runtime before opening a session.
 */
final class OnnxKind {

    static final String ENCODER = "encoder";
    static final String DECODER = "decoder";
    /** ModelProto.metadata_props. */
    private static final int METADATA_PROPS = 14;

    private OnnxKind() {
    }

    /** "encoder" or "decoder"; a file without the entry (or one that does not parse) counts as a decoder. */
    static String of(Path model) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(model), 1 << 16)) {
            CodedInputStream c = CodedInputStream.newInstance(in);
            c.setSizeLimit(Integer.MAX_VALUE);
            while (true) {
                int tag = c.readTag();
                if (tag == 0) {
                    return DECODER;
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
                        return ENCODER.equals(value) ? ENCODER : DECODER;
                    }
                } else if (!c.skipField(tag)) {
                    return DECODER;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not a parseable ONNX file: the decoder path reports the load failure as before.
            return DECODER;
        }
    }
}

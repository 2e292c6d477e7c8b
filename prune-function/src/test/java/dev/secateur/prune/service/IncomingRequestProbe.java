package dev.secateur.prune.service;

import java.util.Map;

/** Opens the package-private defaults of {@link IncomingRequest} to tests in other packages. */
public final class IncomingRequestProbe {

    private IncomingRequestProbe() {
    }

    public static void decodeAndValidate(Map<String, String> headers, byte[] body) {
        IncomingRequest.decode(headers, body).request(RequestDefaults.NONE);
    }
}

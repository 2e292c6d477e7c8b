package dev.secateur.prune.service;

import dev.secateur.events.InvalidEventException;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * HTTP entry point, the sink of a Knative KafkaSource (binary ce-* headers or structured JSON). A
 * KafkaSource times out slow sinks, so the answer is 202 with the job id at once and the job runs on the
 * service's workers; progress is at GET /jobs/{id} and on the events topic.
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class PruneTriggerResource {

    @Inject
    PruneJobService service;

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response receive(@Context HttpHeaders httpHeaders, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        httpHeaders.getRequestHeaders().forEach((k, v) -> {
            if (v != null && !v.isEmpty()) {
                headers.put(k, v.get(0));
            }
        });
        PruneJobService.Submission submission;
        try {
            submission = service.submit(IncomingRequest.decode(headers, body));
        } catch (InvalidEventException e) {
            return error(Response.Status.BAD_REQUEST, e.getMessage(), null, null);
        }
        JobRecord record = service.job(submission.jobId()).orElse(null);
        if (!submission.duplicate() && record != null && record.state() == JobState.FAILED) {
            // Rejected while reading the request: the sender can fix it now (the failed event is published too).
            return error(Response.Status.BAD_REQUEST, text(record, "reason"), text(record, "field"), submission.jobId());
        }
        Map<String, Object> body202 = new LinkedHashMap<>();
        body202.put("jobId", submission.jobId());
        body202.put("duplicate", submission.duplicate());
        body202.put("status", "/jobs/" + submission.jobId());
        return Response.accepted(body202).build();
    }

    @GET
    @Path("jobs/{id}")
    public Response job(@PathParam("id") String id) {
        return service.job(id).map(r -> Response.ok(r).build())
                .orElseGet(() -> error(Response.Status.NOT_FOUND, "no job '" + id + "'", null, null));
    }

    @GET
    @Path("jobs")
    public List<JobRecord> jobs(@QueryParam("limit") @DefaultValue("20") int limit) {
        return service.recent(Math.min(Math.max(limit, 1), 500));
    }

    private static String text(JobRecord record, String field) {
        return record.outcome() != null && record.outcome().hasNonNull(field) ? record.outcome().get(field).asText() : null;
    }

    private static Response error(Response.Status status, String message, String field, String jobId) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        if (field != null) {
            body.put("field", field);
        }
        if (jobId != null) {
            body.put("jobId", jobId);
        }
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body).build();
    }
}

package io.totesys.pipeline.lake;

import java.net.URI;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** The S3 client every lake route and bean uses, built from {@link LakeSettings}, and the two buckets' batches. */
@ApplicationScoped
public class LakeClientProducer {

    private static final Logger LOG = Logger.getLogger(LakeClientProducer.class);

    /** Region used against an S3-compatible endpoint when none is configured: such servers ignore it. */
    private static final Region ENDPOINT_DEFAULT_REGION = Region.US_EAST_1;

    @Produces
    @Singleton
    @Named("lakeS3Client")
    S3Client lakeS3Client(LakeSettings settings) {
        return newClient(settings);
    }

    /**
     * A client of the lake as the settings describe it; the caller closes it. The Iceberg
     * tables' file IO has one of its own, which it closes with the catalog.
     */
    public static S3Client newClient(LakeSettings settings) {
        LakeSettings.S3 s3 = settings.s3();
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(ApacheHttpClient.builder().socketTimeout(s3.readTimeout()))
                .requestChecksumCalculation(s3.requestChecksumCalculation());
        s3.endpoint().ifPresent(endpoint -> builder
                .endpointOverride(URI.create(endpoint))
                .forcePathStyle(true));
        builder.region(s3.region().map(Region::of).orElseGet(() -> defaultRegion(s3)));
        if (s3.accessKeyId().isPresent() && s3.secretAccessKey().isPresent()) {
            builder.credentialsProvider(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(s3.accessKeyId().get(), s3.secretAccessKey().get())));
        } else {
            builder.credentialsProvider(DefaultCredentialsProvider.builder().build());
        }
        return builder.build();
    }

    /**
     * The region of the AWS SDK's default chain; without one, a region S3-compatible servers
     * ignore, and a warning: AWS itself then answers with a redirect that the failure
     * diagnosis turns into "check AWS_REGION".
     */
    private static Region defaultRegion(LakeSettings.S3 s3) {
        if (s3.endpoint().isEmpty()) {
            try {
                return DefaultAwsRegionProviderChain.builder().build().getRegion();
            } catch (SdkClientException e) {
                LOG.warnf("No AWS region is configured: set AWS_REGION; using %s until then", ENDPOINT_DEFAULT_REGION);
            }
        }
        return ENDPOINT_DEFAULT_REGION;
    }

    @Produces
    @Singleton
    @Named("ingestBatches")
    LakeBatches ingestBatches(@Named("lakeS3Client") S3Client client, LakeSettings settings, ObjectMapper json) {
        return new LakeBatches(objects(client, settings, settings.ingestBucket()), json, settings.maxManifestSize());
    }

    @Produces
    @Singleton
    @Named("processedBatches")
    LakeBatches processedBatches(@Named("lakeS3Client") S3Client client, LakeSettings settings, ObjectMapper json) {
        return new LakeBatches(objects(client, settings, settings.processedBucket()), json,
                settings.maxManifestSize());
    }

    private static LakeObjects objects(S3Client client, LakeSettings settings, String bucket) {
        return new LakeObjects(client, bucket, settings.s3().multipartCopyThreshold(),
                settings.s3().multipartCopyPartSize());
    }

    void close(@Disposes @Named("lakeS3Client") S3Client client) {
        client.close();
    }
}

package dev.ampoule.client;

import dev.ampoule.client.support.Relays;

/** The bad-input matrix of {@link BadInputMatrixTest} against a cluster of three relay JVMs on one PostgreSQL. */
class BadInputMatrixClusterTest extends BadInputMatrixTest {

    @Override
    Relays.Deployment deployment() {
        return Relays.Deployment.CLUSTER;
    }
}

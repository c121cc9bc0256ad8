using Axitech.Gateway.Configuration;
using Axitech.Gateway.Telemetry;

namespace Axitech.Gateway.Queue;

/// <summary>What every route's workers share (<see cref="RouteDeliveryLoop"/>): the store, the parts an attempt goes through, and the process's settings.</summary>
internal sealed record RouteWorkerContext(
    IDeliveryStore Store,
    DeliveryAttempts Attempts,
    DeliveryRetryPolicy Policy,
    DeliverySignals Signals,
    RoutePauses Pauses,
    GatewaySnapshotSource Snapshots,
    GatewayMetrics Metrics,
    DeliveryQueueOptions Options,
    TimeProvider TimeProvider,
    ILogger Logger);

namespace Axitech.Gateway.Queue;

/// <summary>What <see cref="IDeliveryStore.PurgeAsync"/> deleted.</summary>
/// <param name="Delivered">Delivered rows whose duplicate-detection time had passed.</param>
/// <param name="Dead">Dead-lettered rows older than the retention.</param>
internal readonly record struct PurgeResult(int Delivered, int Dead);

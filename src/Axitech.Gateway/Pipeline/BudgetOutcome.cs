namespace Axitech.Gateway.Pipeline;

/// <summary>What <see cref="UnverifiedBodyBudget.TryReserve"/> decided.</summary>
internal enum BudgetOutcome
{
    Reserved,

    /// <summary>The client holds its share already (429).</summary>
    ClientFull,

    /// <summary>All clients together hold the gateway's budget (503).</summary>
    GatewayFull,
}

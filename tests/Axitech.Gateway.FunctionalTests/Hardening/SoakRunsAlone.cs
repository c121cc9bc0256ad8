namespace Axitech.Gateway.FunctionalTests.Hardening;

/// <summary>The soak smoke runs alone, after the parallel tests, so that its rate and its memory are its own.</summary>
[CollectionDefinition(nameof(SoakRunsAlone), DisableParallelization = true)]
public sealed class SoakRunsAlone;

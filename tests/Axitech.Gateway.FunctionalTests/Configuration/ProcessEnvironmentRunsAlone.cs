namespace Axitech.Gateway.FunctionalTests.Configuration;

/// <summary>
/// A test that sets environment variables runs alone: the environment is the whole process's, and a host that reads it
/// (the Development demo's echo receiver reads Kestrel's keys from it) would otherwise bind what the test set.
/// </summary>
[CollectionDefinition(nameof(ProcessEnvironmentRunsAlone), DisableParallelization = true)]
public sealed class ProcessEnvironmentRunsAlone;

using System.Data;
using System.Data.Common;

namespace Axitech.Gateway.Queue;

/// <summary>The schema: created or migrated once, before the first operation that needs it.</summary>
internal abstract partial class SqlDeliveryStore
{
    public async Task InitializeAsync(CancellationToken cancellationToken)
        => await RunAsync("initialize", static (_, _) => Task.FromResult(true), write: false, cancellationToken).ConfigureAwait(false);

    private async Task EnsureInitializedAsync(CancellationToken cancellationToken)
    {
        if (_initialized)
        {
            return;
        }

        await _initializeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_initialized)
            {
                await MigrateAsync(cancellationToken).ConfigureAwait(false);
                _initialized = true;
            }
        }
        finally
        {
            _initializeGate.Release();
        }
    }

    /// <summary>
    /// Brings the schema to the newest version this gateway knows, one transaction, serialised across processes:
    /// <c>delivery_schema_version</c> records each version applied, so later versions can migrate from it. A database
    /// newer than this gateway is refused rather than written with an old idea of its shape.
    /// </summary>
    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await PrepareDatabaseAsync(connection, cancellationToken).ConfigureAwait(false);
            var transaction = await BeginWriteTransactionAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await LockForMigrationAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS delivery_schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL)", cancellationToken).ConfigureAwait(false);

                long current;
                using (var command = Command(connection, transaction, "SELECT COALESCE(MAX(version), 0) FROM delivery_schema_version"))
                {
                    current = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
                }

                if (current > Migrations.Count)
                {
                    throw new DeliveryStoreUnavailableException($"The {Name} delivery store's schema is version {current}, newer than this gateway knows ({Migrations.Count}): run a gateway at least as new as the one that migrated it.");
                }

                for (var version = (int)current + 1; version <= Migrations.Count; version++)
                {
                    foreach (var statement in Migrations[version - 1])
                    {
                        await ExecuteAsync(connection, transaction, statement, cancellationToken).ConfigureAwait(false);
                    }

                    using var record = Command(connection, transaction, "INSERT INTO delivery_schema_version (version, applied_at) VALUES (@version, @now)");
                    Add(record, "version", version);
                    Add(record, "now", TimeProvider.GetUtcNow().ToUnixTimeMilliseconds());
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                if (current < Migrations.Count)
                {
                    Log.Migrated(Logger, Name, current, Migrations.Count);
                }
            }
        }
    }
}

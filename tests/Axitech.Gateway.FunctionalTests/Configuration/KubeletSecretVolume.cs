using System.Diagnostics;
using System.Globalization;

namespace Axitech.Gateway.FunctionalTests.Configuration;

/// <summary>
/// A Secret volume written as the kubelet's AtomicWriter writes it (kubernetes pkg/volume/util/atomic_writer.go): the
/// payload in a timestamped folder <c>..2026_12_08_10_00_00.000000001</c>, <c>..data</c> a symlink to it, each key a
/// symlink <c>name -&gt; ..data/name</c>. An update writes a new timestamped folder, points a new <c>..data_tmp</c> at it
/// and renames that over <c>..data</c> (the one atomic step), then adds the links of new keys, removes those of removed
/// keys and deletes the old folder.
/// </summary>
internal sealed class KubeletSecretVolume : IDisposable
{
    private const string DataLink = "..data";
    private int _version;
    private string? _current;

    public KubeletSecretVolume() => Directory = System.IO.Directory.CreateTempSubdirectory("axgw-secret-volume-").FullName;

    /// <summary>The mount point (what <c>AXGW_SECRETS_DIR</c> names).</summary>
    public string Directory { get; }

    /// <summary>Replaces the whole payload, as an update of the Secret does.</summary>
    public async Task WriteAsync(IReadOnlyDictionary<string, string> payload)
    {
        var timestamped = $"..2026_12_08_10_00_{(++_version).ToString("00", CultureInfo.InvariantCulture)}.{Random.Shared.Next(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture)}";
        var folder = System.IO.Directory.CreateDirectory(Path.Combine(Directory, timestamped)).FullName;
        foreach (var (name, value) in payload)
        {
            File.WriteAllText(Path.Combine(folder, name), value);
        }

        var temporary = Path.Combine(Directory, "..data_tmp");
        File.CreateSymbolicLink(temporary, timestamped);
        // The swap: rename(2) of the new link over the old one (mv -T renames; .NET's moves follow the link to a folder).
        var rename = await ChildProcess.RunToEndAsync(new ProcessStartInfo("mv") { ArgumentList = { "-T", temporary, Path.Combine(Directory, DataLink) } }, null, TimeSpan.FromSeconds(30));
        Assert.True(rename.ExitCode == 0, rename.ToString());

        var old = System.IO.Directory.EnumerateFileSystemEntries(Directory).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).ToHashSet();
        foreach (var name in payload.Keys.Where(n => !old.Contains(n)))
        {
            File.CreateSymbolicLink(Path.Combine(Directory, name), Path.Combine(DataLink, name));
        }

        foreach (var name in old.Where(n => !payload.ContainsKey(n!)))
        {
            File.Delete(Path.Combine(Directory, name!));
        }

        if (_current is not null)
        {
            System.IO.Directory.Delete(Path.Combine(Directory, _current), recursive: true);
        }

        _current = timestamped;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

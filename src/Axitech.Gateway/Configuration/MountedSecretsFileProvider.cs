using System.Collections;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace Axitech.Gateway.Configuration;

/// <summary>
/// The secrets folder (<c>$AXGW_SECRETS_DIR</c>) as the key-per-file configuration source reads it: a Kubernetes Secret
/// mounted as a directory, a Docker secrets folder or any folder of one file per key.
/// <para>
/// The kubelet writes a Secret volume atomically: the files are symlinks <c>name -&gt; ..data/name</c>, <c>..data</c> is a
/// symlink to a timestamped folder, and an update writes a new timestamped folder and renames a new <c>..data</c> over
/// the old one. A file watcher sees neither the symlinks' targets change nor, reliably, the rename, so the folder is
/// polled instead; and each read resolves <c>..data</c> once and reads every file from that one timestamped folder,
/// into memory, so that a reload never mixes files from before and after a swap.
/// </para>
/// </summary>
internal sealed class MountedSecretsFileProvider : IFileProvider, IDisposable
{
    /// <summary>How often the folder is compared with what was last read.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    private const string DataLink = "..data";

    private readonly string _directory;
    private readonly ITimer? _timer;
    private readonly Lock _lock = new();
    private CancellationTokenSource _changed = new();
    private byte[] _fingerprint;

    public MountedSecretsFileProvider(string directory, bool watch, TimeProvider timeProvider)
    {
        _directory = directory;
        _fingerprint = Fingerprint(Read());
        _timer = watch ? timeProvider.CreateTimer(_ => Poll(), null, PollInterval, PollInterval) : null;
    }

    /// <summary>The folder's files, read at once from one consistent version of it; each name is a configuration key (<c>__</c> for <c>:</c>).</summary>
    public IDirectoryContents GetDirectoryContents(string subpath) => new Contents(Read());

    public IFileInfo GetFileInfo(string subpath) => new NotFoundFileInfo(subpath);

    public IChangeToken Watch(string filter)
    {
        lock (_lock)
        {
            return new CancellationChangeToken(_changed.Token);
        }
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _changed.Dispose();
    }

    private void Poll()
    {
        byte[] fingerprint;
        try
        {
            fingerprint = Fingerprint(Read());
        }
        catch (IOException)
        {
            // Mid-swap for longer than the retries, or the folder is gone: keep what is in force; the next poll looks again.
            return;
        }
        catch (UnauthorizedAccessException)
        {
            return;
        }

        CancellationTokenSource previous;
        lock (_lock)
        {
            if (fingerprint.AsSpan().SequenceEqual(_fingerprint))
            {
                return;
            }

            _fingerprint = fingerprint;
            previous = _changed;
            _changed = new CancellationTokenSource();
        }

        previous.Cancel();
        previous.Dispose();
    }

    /// <summary>Every file's name and content, from the folder <c>..data</c> points to when there is one.</summary>
    private SortedDictionary<string, byte[]> Read()
    {
        for (var attempt = 0; ; attempt++)
        {
            var before = ResolveData();
            try
            {
                var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
                foreach (var path in Directory.EnumerateFiles(before ?? _directory))
                {
                    var name = Path.GetFileName(path);
                    if (!name.StartsWith('.'))
                    {
                        files[name] = File.ReadAllBytes(path);
                    }
                }

                // A swap while reading: read the new version whole rather than a mix.
                if (before == ResolveData())
                {
                    return files;
                }

                if (attempt >= 3)
                {
                    throw new IOException($"{_directory} kept changing while it was read.");
                }
            }
            catch (IOException) when (before is not null && attempt < 3)
            {
                // The old timestamped folder was removed after the swap, before it was read: read the new one.
            }
        }
    }

    private string? ResolveData()
    {
        var data = new DirectoryInfo(Path.Combine(_directory, DataLink));
        return data.Exists ? data.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? data.FullName : null;
    }

    private static byte[] Fingerprint(SortedDictionary<string, byte[]> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, content) in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(name));
            hash.AppendData(BitConverter.GetBytes(content.Length));
            hash.AppendData(content);
        }

        return hash.GetHashAndReset();
    }

    private sealed class Contents(SortedDictionary<string, byte[]> files) : IDirectoryContents
    {
        public bool Exists => true;

        public IEnumerator<IFileInfo> GetEnumerator() => files.Select(f => (IFileInfo)new InMemoryFile(f.Key, f.Value)).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class InMemoryFile(string name, byte[] content) : IFileInfo
    {
        public bool Exists => true;

        public long Length => content.Length;

        public string? PhysicalPath => null;

        public string Name => name;

        public DateTimeOffset LastModified => default;

        public bool IsDirectory => false;

        public Stream CreateReadStream() => new MemoryStream(content, writable: false);
    }
}

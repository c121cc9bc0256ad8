using System.CommandLine;
using Axitech.Webhooks;

namespace Axitech.Gateway.Commands;

/// <summary>The options <c>sign</c> and <c>send</c> share: the secret, the method, the timestamp and the body file.</summary>
internal sealed class DeliveryOptions
{
    private const string Seconds = "seconds";
    private const string Milliseconds = "milliseconds";
    private const string Iso = "iso";

    private readonly SecretOptions _secret = new();

    private readonly Option<string> _method = new("--method")
    {
        Description = "The HTTP method that is signed and sent.",
        DefaultValueFactory = _ => "POST",
    };

    private readonly Option<string> _timestamp = new("--timestamp")
    {
        Description = "The x-aw-timestamp value, used as given (to repeat a delivery exactly). The default is now.",
        HelpName = "T",
    };

    private readonly Option<string> _timestampFormat = new("--timestamp-format")
    {
        Description = "How the current time is written when --timestamp is not given.",
        DefaultValueFactory = _ => Seconds,
    };

    public DeliveryOptions()
    {
        _timestampFormat.AcceptOnlyFromAmong(Seconds, Milliseconds, Iso);
        _method.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is not { Length: > 0 } method || !method.All(char.IsAsciiLetter))
            {
                result.AddError("--method must be an HTTP method such as POST.");
            }
        });
        BodyFile = new Option<FileInfo>("--body-file")
        {
            Description = "The file whose bytes are the body, exactly (no newline added or removed).",
            HelpName = "F",
        };
        BodyFile.AcceptExistingOnly();
    }

    public Option<FileInfo> BodyFile { get; }

    public void AddTo(Command command)
    {
        _secret.AddTo(command);
        command.Add(_method);
        command.Add(_timestamp);
        command.Add(_timestampFormat);
        command.Add(BodyFile);
        command.Validators.Add(result =>
        {
            if (result.GetResult(_timestamp) is not null && result.GetResult(_timestampFormat) is { Implicit: false })
            {
                result.AddError("--timestamp-format formats the current time; it cannot be combined with --timestamp.");
            }
        });
    }

    /// <summary>The bytes of <c>--body-file</c>, or null when it was not given.</summary>
    public async Task<byte[]?> ReadBodyFileAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        if (parseResult.GetValue(BodyFile) is not { } file)
        {
            return null;
        }

        try
        {
            return await File.ReadAllBytesAsync(file.FullName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"The body file '{file.FullName}' cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>Signs <paramref name="body"/> for <paramref name="target"/> with the secret and timestamp the options name.</summary>
    public async Task<SignedDelivery> SignAsync(ParseResult parseResult, string target, ReadOnlyMemory<byte> body, TimeProvider timeProvider, CommandOutput output)
    {
        var timestamp = parseResult.GetValue(_timestamp);
        if (timestamp is null)
        {
            var now = timeProvider.GetUtcNow();
            timestamp = parseResult.GetValue(_timestampFormat) switch
            {
                Milliseconds => WebhookTimestamp.FormatUnixMilliseconds(now),
                Iso => WebhookTimestamp.FormatIso8601(now),
                _ => WebhookTimestamp.FormatUnixSeconds(now),
            };
        }
        else if (!WebhookTimestamp.TryParse(timestamp, out _))
        {
            await output.Error.WriteLineAsync($"warning: --timestamp '{timestamp}' is not strict Unix seconds, Unix milliseconds or ISO-8601; the gateway will refuse it as invalid_timestamp.").ConfigureAwait(false);
        }

        return SignedDelivery.Create(_secret.Read(parseResult), parseResult.GetRequiredValue(_method), target, timestamp, body);
    }
}

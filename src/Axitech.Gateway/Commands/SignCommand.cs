using System.CommandLine;
using Axitech.Webhooks;

namespace Axitech.Gateway.Commands;

/// <summary>
/// <c>sign</c>: prints the two headers Axitech would send with a body, or a ready-to-run curl command.
/// </summary>
internal static class SignCommand
{
    public static Command Create()
    {
        var delivery = new DeliveryOptions();
        var target = new Option<string>("--target")
        {
            Description = "The request target that is signed: path and query exactly as the sender sends them, starting with '/' (/webhooks/claims?tenant=7). A URL (http://host/...), a target without the leading '/', or one a request line cannot carry as written (a space, non-ASCII) is refused with the target to give instead. The default is the path and query of --curl's URL.",
            HelpName = "/path?query",
        };
        target.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } value && RequestTarget.Check(value, "--target") is { } error)
            {
                result.AddError(error);
            }
        });
        var curl = new Option<string>("--curl")
        {
            Description = "Print a ready-to-run curl command that posts the signed body to this URL, instead of the two header lines. What a request line cannot carry is percent-encoded in the printed URL and in what is signed alike (a space as %20, René as Ren%C3%A9).",
            HelpName = "URL",
        };

        var command = new Command("sign", "Sign a body as Axitech does. Prints 'x-aw-timestamp: T' and 'x-aw-signature: HEX' (or a curl command with --curl). The body is --body-file, else stdin, else empty.");
        delivery.AddTo(command);
        command.Add(target);
        command.Add(curl);
        command.Validators.Add(result =>
        {
            if (result.GetResult(target) is null && result.GetResult(curl) is null)
            {
                result.AddError("Give --target /path?query (the request target that is signed), or --curl URL.");
            }
        });

        command.SetGuardedAction(async (parseResult, output, cancellationToken) =>
        {
            var url = parseResult.GetValue(curl);
            var urlTarget = url is null ? null : RequestTarget.FromUrl(url);
            var signedTarget = parseResult.GetValue(target) ?? urlTarget!;
            if (urlTarget is not null && urlTarget != signedTarget)
            {
                await output.Error.WriteLineAsync($"warning: --target '{signedTarget}' is not the path and query of the --curl URL ('{urlTarget}'); unless an ingress rewrites the path, the gateway will refuse it as invalid_signature.").ConfigureAwait(false);
            }

            var body = await delivery.ReadBodyFileAsync(parseResult, cancellationToken).ConfigureAwait(false)
                ?? await ReadStandardInputAsync(cancellationToken).ConfigureAwait(false);
            var signed = await delivery.SignAsync(parseResult, signedTarget, body, TimeProvider.System, output).ConfigureAwait(false);

            if (url is not null)
            {
                await output.Out.WriteLineAsync(CurlCommand.Format(signed, RequestTarget.ToRequestUrl(url), parseResult.GetValue(delivery.BodyFile))).ConfigureAwait(false);
                return CommandAction.Success;
            }

            await output.Out.WriteLineAsync($"{AxitechSignature.TimestampHeaderName}: {signed.Timestamp}").ConfigureAwait(false);
            await output.Out.WriteLineAsync($"{AxitechSignature.SignatureHeaderName}: {signed.Signature}").ConfigureAwait(false);
            return CommandAction.Success;
        });
        return command;
    }

    /// <summary>The body piped to stdin; empty when stdin is a terminal (nothing to wait for).</summary>
    private static async Task<byte[]> ReadStandardInputAsync(CancellationToken cancellationToken)
    {
        if (!Console.IsInputRedirected)
        {
            return [];
        }

        var buffer = new MemoryStream();
        await using (buffer.ConfigureAwait(false))
        {
            var stdin = Console.OpenStandardInput();
            await using (stdin.ConfigureAwait(false))
            {
                await stdin.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            }

            return buffer.ToArray();
        }
    }
}

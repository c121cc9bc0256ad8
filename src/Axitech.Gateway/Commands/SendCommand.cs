using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Axitech.Gateway.Pipeline;
using Axitech.Gateway.Verification;
using Axitech.Webhooks;

namespace Axitech.Gateway.Commands;

/// <summary>
/// <c>send</c>: signs a delivery and posts it, then says what came back: the status, whether the gateway answered it
/// as a duplicate, and how long it took. With <c>--tamper</c> the body is changed after signing, and refusal is the
/// expected outcome.
/// </summary>
internal static class SendCommand
{
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(30);

    public static Command Create()
    {
        var delivery = new DeliveryOptions();
        var url = new Option<string>("--url")
        {
            Description = "Where to send: the URL registered with Axitech, such as https://hooks.example.com/webhooks/claims. Its path and query are signed and sent as written, except that what a request line cannot carry is percent-encoded first (a space as %20, René as Ren%C3%A9); a '%' that does not start a %XX escape is refused.",
            HelpName = "URL",
            Required = true,
        };
        var sampleEvent = new Option<string>("--event")
        {
            Description = "Send a built-in sample shaped like the vendor's documented payload (a fresh session id and time each run) instead of --body-file.",
            HelpName = "NAME",
        };
        sampleEvent.AcceptOnlyFromAmong([.. SampleEvents.Names]);
        var tamper = new Option<bool>("--tamper")
        {
            Description = "Change one body byte after signing (the signature's last digit when the body is empty): the gateway must refuse it with 401.",
        };

        var command = new Command("send", "Sign a delivery and send it. Exits 0 when the outcome is the expected one: 2xx for a genuine delivery, 401 for a tampered one.");
        delivery.AddTo(command);
        command.Add(url);
        command.Add(sampleEvent);
        command.Add(tamper);
        command.Validators.Add(result =>
        {
            if ((result.GetResult(delivery.BodyFile) is null) == (result.GetResult(sampleEvent) is null))
            {
                result.AddError($"Give the body with exactly one of --body-file F or --event {SampleEvents.SessionSubmitted}.");
            }
        });

        command.SetGuardedAction(async (parseResult, output, cancellationToken) =>
        {
            var address = parseResult.GetRequiredValue(url);
            var target = RequestTarget.FromUrl(address);
            var requestUrl = RequestTarget.ToRequestUrl(address);
            var body = await delivery.ReadBodyFileAsync(parseResult, cancellationToken).ConfigureAwait(false)
                ?? SampleEvents.CreateSessionSubmitted(TimeProvider.System);
            var signed = await delivery.SignAsync(parseResult, target, body, TimeProvider.System, output).ConfigureAwait(false);
            var tampered = parseResult.GetValue(tamper);
            if (tampered)
            {
                signed = Tamper(signed);
            }

            await output.Out.WriteLineAsync($"{signed.Method} {requestUrl} ({signed.Body.Length.ToString(CultureInfo.InvariantCulture)} bytes, x-aw-timestamp {signed.Timestamp}{(tampered ? ", tampered after signing" : string.Empty)})").ConfigureAwait(false);
            var result = await SendAsync(requestUrl, signed, cancellationToken).ConfigureAwait(false);
            await output.Out.WriteLineAsync($"status: {(int)result.Status} {result.Status}{(result.Reason is null ? string.Empty : $" ({result.Reason})")}").ConfigureAwait(false);
            if (result.DeliveryId is { } deliveryId)
            {
                // A queued route's 202: the id deliveries show and replay take.
                await output.Out.WriteLineAsync($"delivery id: {deliveryId} ({GatewayHeaders.DeliveryId})").ConfigureAwait(false);
            }

            await output.Out.WriteLineAsync($"duplicate: {(result.Duplicate ? $"yes ({GatewayHeaders.Duplicate}: true)" : "no")}").ConfigureAwait(false);
            await output.Out.WriteLineAsync($"elapsed: {result.Elapsed.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms").ConfigureAwait(false);

            return tampered
                ? await ExpectAsync(output, result.Status == HttpStatusCode.Unauthorized, "refused with 401, as a tampered delivery must be", $"a tampered delivery was answered {(int)result.Status}, not 401: the gateway did not refuse it").ConfigureAwait(false)
                : await ExpectAsync(output, (int)result.Status is >= 200 and < 300, "accepted", $"a genuine delivery was answered {(int)result.Status}, not 2xx{Hint(result)}").ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> ExpectAsync(CommandOutput output, bool expected, string success, string failure)
    {
        if (expected)
        {
            await output.Out.WriteLineAsync($"outcome: {success}").ConfigureAwait(false);
            return CommandAction.Success;
        }

        await output.Error.WriteLineAsync($"send: {failure}").ConfigureAwait(false);
        return CommandAction.Failure;
    }

    private static string Hint(SendResult result) => result.Reason switch
    {
        "invalid_signature" => ": check that the secret is the route's policy secret and that the URL's path and query are the ones the gateway receives (SignedPathPrefix when an ingress strips a prefix)",
        "stale_timestamp" or "future_timestamp" => ": the clocks of this machine and the gateway differ by more than the policy's Tolerance, or --timestamp is old",
        _ => string.Empty,
    };

    private static SignedDelivery Tamper(SignedDelivery signed)
    {
        if (signed.Body.IsEmpty)
        {
            var last = signed.Signature[^1] == '0' ? '1' : '0';
            return signed with { Signature = signed.Signature[..^1] + last };
        }

        var body = signed.Body.ToArray();
        body[body.Length / 2] ^= 0x01;
        return signed with { Body = body };
    }

    private static async Task<SendResult> SendAsync(string address, SignedDelivery signed, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = _timeout };
        using var request = new HttpRequestMessage(new HttpMethod(signed.Method), RequestTarget.ToUncanonicalizedUri(address))
        {
            Content = new ReadOnlyMemoryContent(signed.Body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(AxitechSignature.TimestampHeaderName, signed.Timestamp);
        request.Headers.TryAddWithoutValidation(AxitechSignature.SignatureHeaderName, signed.Signature);

        var started = TimeProvider.System.GetTimestamp();
        try
        {
            using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var elapsed = TimeProvider.System.GetElapsedTime(started);
            var duplicate = response.Headers.TryGetValues(GatewayHeaders.Duplicate, out var values)
                && values.Contains("true", StringComparer.OrdinalIgnoreCase);
            var deliveryId = response.Headers.TryGetValues(GatewayHeaders.DeliveryId, out var ids) ? ids.FirstOrDefault() : null;
            return new SendResult(response.StatusCode, await ReadReasonAsync(response, cancellationToken).ConfigureAwait(false), duplicate, elapsed, deliveryId);
        }
        catch (HttpRequestException ex)
        {
            throw new CommandException($"Could not send to {address}: {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CommandException($"No answer from {address} within {_timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.", ex);
        }
    }

    /// <summary>The gateway's reason code from a problem answer; nothing else of a body is shown.</summary>
    private static async Task<string?> ReadReasonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentType?.MediaType != ProblemResponses.ContentType)
        {
            return null;
        }

        try
        {
            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
            return document.RootElement.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

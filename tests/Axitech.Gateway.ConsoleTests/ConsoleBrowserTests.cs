using System.Net;
using System.Text;
using Axitech.Gateway.Queue;
using Microsoft.Playwright;

namespace Axitech.Gateway.ConsoleTests;

/// <summary>
/// The console in a real headless Chromium against a real gateway, upstream and SQLite store: sign-in, the Operator's
/// replay, the Viewer's read-only view, forged and cross-site POSTs, and what the pages never show.
/// </summary>
public sealed class ConsoleBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task WrongPassword_IsRefused_AndRepeatedFailuresAreThrottled()
    {
        await using var console = await ConsoleGateway.StartAsync(c =>
        {
            c["Gateway:FailureThrottling:Enabled"] = "true";
            c["Gateway:FailureThrottling:PermitLimit"] = "3";
        });
        await using var context = await browser.NewContextAsync(console.ManagementUrl);
        var page = await context.NewPageAsync();

        for (var i = 0; i < 3; i++)
        {
            var refused = await page.SignInAsync(i == 0 ? "not-a-user" : ConsoleUsers.Operator, "not the password");
            Assert.Equal((int)HttpStatusCode.OK, refused.Status);
            Assert.Equal("Wrong name or password.", await page.TextContentAsync("#sign-in-error"));
        }

        // Refusals are logged with the user's name only when it is a configured user's (a password typed into the name
        // field must not reach the log), and never with the password.
        var refusals = console.Logs.GetSnapshot().Where(r => r.Id.Id == 10002).Select(r => r.Message).ToList();
        Assert.Equal(3, refusals.Count);
        Assert.Contains("(not a configured user)", refusals[0], StringComparison.Ordinal);
        Assert.DoesNotContain(refusals, m => m.Contains("not-a-user", StringComparison.Ordinal) || m.Contains("not the password", StringComparison.Ordinal));
        Assert.Contains($"for {ConsoleUsers.Operator} from", refusals[1], StringComparison.Ordinal);

        // Out of permits: even the right password is not checked until the window ends.
        var throttled = await page.SignInAsync(ConsoleUsers.Operator, ConsoleUsers.OperatorPassword);
        Assert.Equal((int)HttpStatusCode.TooManyRequests, throttled.Status);
        Assert.Contains("Too many failed sign-ins", await page.TextContentAsync("#sign-in-error"), StringComparison.Ordinal);

        await page.GotoAsync("/console/deliveries");
        Assert.Contains("/console/sign-in", page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == "axgw_console");
    }

    [Fact]
    public async Task DeadDelivery_IsFoundByFilter_ReplayedWithAClick_AndReachesTheUpstream()
    {
        await using var console = await ConsoleGateway.StartAsync();
        var dead = await console.DeadDeliveryAsync();
        console.UpstreamAccepts();
        await using var context = await browser.NewContextAsync(console.ManagementUrl);
        var page = await context.SignedInPageAsync(ConsoleUsers.Operator, ConsoleUsers.OperatorPassword);

        // The routes page counts it; the filter finds it.
        var claims = page.Locator("#routes tr[data-route=claims]");
        Assert.Equal("1", await claims.Locator("td").Nth(4).TextContentAsync());
        await page.ScreenshotAsync("console-routes.png");
        await page.ClickAsync("text=Deliveries");
        await page.SelectOptionAsync("#filter-route", "claims");
        await page.SelectOptionAsync("#filter-state", "dead");
        await page.FillAsync("#filter-error", "status_400");
        await page.ClickAsync("#apply-filter");
        var rows = page.Locator("#deliveries tbody tr");
        Assert.Equal(1, await rows.CountAsync());
        Assert.Equal(dead.ToString(), await rows.First.GetAttributeAsync("data-id"));

        // Its own page, then replay with a click and a confirmation.
        await page.ClickAsync($"a[href='/console/deliveries/{dead}']");
        Assert.Contains("status_400", await page.TextContentAsync("#delivery"), StringComparison.Ordinal);

        // Its one attempt, as the store recorded it in the attempt's settlement: the destination and the upstream's 400.
        var attempt = page.Locator("#attempts tbody tr td");
        Assert.Equal(1, await page.Locator("#attempts tbody tr").CountAsync());
        Assert.Equal("1", await attempt.Nth(0).TextContentAsync());
        Assert.Equal("d1", await attempt.Nth(2).TextContentAsync());
        Assert.Equal("400 status_400", (await attempt.Nth(3).TextContentAsync())!.Trim());
        Assert.Matches(@"^\d+ ms$|^\d+(\.\d+)? s$", await attempt.Nth(4).TextContentAsync());
        await page.ScreenshotAsync("console-delivery.png");
        await page.ClickAsync("#replay-one");
        Assert.Contains("Replay 1 selected delivery?", await page.TextContentAsync("#replay-confirm"), StringComparison.Ordinal);
        Assert.Equal(DeliveryState.Dead, (await console.Store.GetAsync(dead, false, TestContext.Current.CancellationToken))!.State);
        await page.ClickAsync("#confirm");
        Assert.Equal("Replayed 1 of 1 selected delivery.", await page.TextContentAsync("#replay-result"));

        await console.WaitForStateAsync(dead, DeliveryState.Delivered);
        Assert.Contains(console.Gateway.Upstream.Received, r => r.Header("X-Axitech-Delivery-Id") == dead.ToString());

        // The action is in the audit log: who, what, which route and delivery.
        var audit = Assert.Single(console.Logs.GetSnapshot(), r => r.Id.Id == 10005);
        Assert.Equal("Axitech.Gateway.Console", audit.Category);
        Assert.Equal($"Console: {ConsoleUsers.Operator} replayed deliveries of route claims: 1 of 1 selected made pending again. Ids: {dead}.", audit.Message);
    }

    [Fact]
    public async Task PauseAndResume_WithClicks_StopAndRestartDeliveries()
    {
        await using var console = await ConsoleGateway.StartAsync(c => c["ReverseProxy:Routes:claims:Metadata:WebhookDeliveryRate"] = "50");
        console.UpstreamAccepts();
        await using var context = await browser.NewContextAsync(console.ManagementUrl);
        var page = await context.SignedInPageAsync(ConsoleUsers.Operator, ConsoleUsers.OperatorPassword);

        // The state as deliveries routes reads it, the route's pace and concurrency (Webhooks:Queue:MaxConcurrency's 4).
        var claims = page.Locator("#routes tr[data-route=claims] td");
        Assert.Equal("delivering", await claims.Nth(2).TextContentAsync());
        Assert.Equal("50/s", await claims.Nth(7).TextContentAsync());
        Assert.Equal("4", await claims.Nth(8).TextContentAsync());

        // Pause: a confirmation first, and nothing paused until it is confirmed.
        await page.ClickAsync("#pause-claims");
        Assert.Contains("Pause route claims?", await page.TextContentAsync("#pause-confirm"), StringComparison.Ordinal);
        Assert.Empty(await console.Store.GetPausedAsync(TestContext.Current.CancellationToken));
        await page.ClickAsync("#confirm");
        Assert.Equal("Paused route claims: it accepts and attempts nothing until it is resumed.", await page.TextContentAsync("#pause-result"));
        await console.WaitForRouteStateAsync(RouteState.Paused);

        // Accepted while paused: the workers look at the store and leave it alone; the upstream sees nothing.
        var held = new[] { await console.AcceptedAsync(), await console.AcceptedAsync() };
        await console.WaitForTwoRoundsAsync();
        foreach (var id in held)
        {
            var stored = (await console.Store.GetAsync(id, false, TestContext.Current.CancellationToken))!;
            Assert.Equal((DeliveryState.Pending, 0), (stored.State, stored.Attempts));
        }

        Assert.Empty(console.Gateway.Upstream.Received);

        await page.ClickAsync("#back");
        Assert.Equal("paused", await claims.Nth(2).TextContentAsync());
        Assert.Equal(0, await page.Locator("#pause-claims").CountAsync());
        await page.ClickAsync("#resume-claims");
        Assert.Contains("Resume route claims?", await page.TextContentAsync("#pause-confirm"), StringComparison.Ordinal);
        await page.ClickAsync("#confirm");
        Assert.Equal("Resumed route claims: its pending deliveries are attempted again, oldest first.", await page.TextContentAsync("#pause-result"));

        foreach (var id in held)
        {
            await console.WaitForStateAsync(id, DeliveryState.Delivered);
            Assert.Contains(console.Gateway.Upstream.Received, r => r.Header("X-Axitech-Delivery-Id") == id.ToString());
        }

        await page.ClickAsync("#back");
        Assert.Equal("delivering", await claims.Nth(2).TextContentAsync());

        // Both actions are in the audit log: who, what, which route.
        Assert.Equal(
            [$"Console: {ConsoleUsers.Operator} paused route claims (changed).", $"Console: {ConsoleUsers.Operator} resumed route claims (changed)."],
            console.Logs.GetSnapshot().Where(r => r.Id.Id == 10008).Select(r => r.Message));
    }

    [Fact]
    public async Task EveryDeadDeliveryMatchingTheFilter_IsReplayedAfterConfirmation_WithItsCount()
    {
        await using var console = await ConsoleGateway.StartAsync();
        var dead = new[] { await console.DeadDeliveryAsync(), await console.DeadDeliveryAsync(), await console.DeadDeliveryAsync() };
        console.UpstreamAccepts();
        await using var context = await browser.NewContextAsync(console.ManagementUrl);
        var page = await context.SignedInPageAsync(ConsoleUsers.Operator, ConsoleUsers.OperatorPassword);

        // One selected by its checkbox, then the two left by the filter.
        await page.GotoAsync("/console/deliveries?state=dead&error=status_400");
        await page.CheckAsync($"input[name=ids][value='{dead[0]}']");
        await page.ClickAsync("#replay-selected");
        await page.ClickAsync("#confirm");
        Assert.Equal("Replayed 1 of 1 selected delivery.", await page.TextContentAsync("#replay-result"));
        await console.WaitForStateAsync(dead[0], DeliveryState.Delivered);

        await page.GotoAsync("/console/deliveries?route=claims&state=dead&error=status_400");
        await page.ClickAsync("#replay-matching");
        Assert.Contains("Replay 2 dead deliveries matching route claims, last error status_400", await page.TextContentAsync("#replay-confirm"), StringComparison.Ordinal);
        await page.ClickAsync("#confirm");
        Assert.Equal("Replayed 2 dead deliveries.", await page.TextContentAsync("#replay-result"));
        await console.WaitForStateAsync(dead[1], DeliveryState.Delivered);
        await console.WaitForStateAsync(dead[2], DeliveryState.Delivered);
    }

    [Fact]
    public async Task Viewer_SeesEverything_AndCanChangeNothing()
    {
        await using var console = await ConsoleGateway.StartAsync();
        var dead = await console.DeadDeliveryAsync();
        console.UpstreamAccepts();
        await using var context = await browser.NewContextAsync(console.ManagementUrl);
        var page = await context.NewPageAsync();
        var signedIn = await page.SignInAsync(ConsoleUsers.Viewer, ConsoleUsers.ViewerPassword);
        Assert.Equal((int)HttpStatusCode.Redirect, signedIn.Status);

        Assert.Equal("1", await page.Locator("#routes tr[data-route=claims] td").Nth(4).TextContentAsync());
        Assert.Equal("delivering", await page.Locator("#routes tr[data-route=claims] td").Nth(2).TextContentAsync());
        Assert.Equal(0, await page.Locator("form[action^='/console/pause'], #pause-claims").CountAsync());
        await page.GotoAsync("/console/deliveries?state=dead");
        Assert.Equal(dead.ToString(), await page.Locator("#deliveries tbody tr").First.GetAttributeAsync("data-id"));
        Assert.Equal(0, await page.Locator("#replay-selected, #replay-matching, input[name=ids]").CountAsync());
        await page.GotoAsync($"/console/deliveries/{dead}");
        Assert.Contains("status_400", await page.TextContentAsync("#delivery"), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#replay-one").CountAsync());

        // A forged POST with the Viewer's own valid antiforgery token and cookie: 403, for both steps of each replay.
        var token = await page.AntiforgeryTokenAsync();
        foreach (var handler in new[] { "Selected", "ApplySelected", "Matching", "ApplyMatching" })
        {
            var forged = await context.PostFormAsync($"/console/replay?handler={handler}", ("ids", dead.ToString()), ("__RequestVerificationToken", token));
            Assert.Equal((int)HttpStatusCode.Forbidden, forged.Status);
        }

        foreach (var handler in new[] { "Confirm", "Apply" })
        {
            var forged = await context.PostFormAsync($"/console/pause?handler={handler}", ("route", "claims"), ("pause", "true"), ("__RequestVerificationToken", token));
            Assert.Equal((int)HttpStatusCode.Forbidden, forged.Status);
        }

        Assert.Empty(await console.Store.GetPausedAsync(TestContext.Current.CancellationToken));

        await console.AssertUntouchedAsync(dead);
    }

    [Fact]
    public async Task FormPost_WithoutAntiforgeryToken_ChangesNothing_SameSiteOrCrossSite()
    {
        await using var console = await ConsoleGateway.StartAsync();
        var dead = await console.DeadDeliveryAsync();
        console.UpstreamAccepts();
        await using var context = await browser.NewContextAsync(console.ManagementUrl);
        var page = await context.SignedInPageAsync(ConsoleUsers.Operator, ConsoleUsers.OperatorPassword);

        // With the Operator's cookie but no token: refused (400) before the handler runs.
        var untokened = await context.PostFormAsync("/console/replay?handler=ApplySelected", ("ids", dead.ToString()));
        Assert.Equal((int)HttpStatusCode.BadRequest, untokened.Status);

        // A page of another site (the Public listener's origin: another port is another origin and another site for
        // cookies, as 127.0.0.1 and localhost are) that submits a form to the console in the signed-in browser.
        var attacker = await context.NewPageAsync();
        await attacker.RouteAsync($"{console.PublicUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal)}/attack", route => route.FulfillAsync(new RouteFulfillOptions
        {
            ContentType = "text/html",
            Body = $"""<form id="f" method="post" action="{console.ManagementUrl}/console/replay?handler=ApplySelected"><input name="ids" value="{dead}"><button id="go">go</button></form>""",
        }));
        await attacker.GotoAsync($"{console.PublicUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal)}/attack");
        var crossSite = await attacker.RunAndWaitForResponseAsync(() => attacker.ClickAsync("#go"), r => r.Url.Contains("/console/replay", StringComparison.Ordinal));
        Assert.NotEqual((int)HttpStatusCode.OK, crossSite.Status);

        await console.AssertUntouchedAsync(dead);
    }

    [Fact]
    public async Task NoPage_ContainsTheBodyOrTheSignature_NorBreaksItsContentSecurityPolicy()
    {
        await using var console = await ConsoleGateway.StartAsync();
        const string Marker = "claimant-marker-5f1c2e9a";
        var delivery = SignedRequest.Create(ConsoleGateway.Target, Encoding.UTF8.GetBytes("{\"event_type\":\"session.submitted\",\"data\":{\"note\":\"" + Marker + "\"}}"));
        var dead = await console.DeadDeliveryAsync(delivery);
        await using var context = await browser.NewContextAsync(console.ManagementUrl);
        var page = await context.SignedInPageAsync(ConsoleUsers.Operator, ConsoleUsers.OperatorPassword);

        // Chromium reports anything the Content-Security-Policy blocked (an inline style, a script) on its console.
        var browserConsole = new List<string>();
        page.Console += (_, message) => browserConsole.Add(message.Text);
        var seen = new List<string>();
        foreach (var path in new[] { "/console/", "/console/deliveries", "/console/deliveries?state=dead", $"/console/deliveries/{dead}" })
        {
            await page.GotoAsync(path);
            seen.Add(await page.ContentAsync());
        }

        await page.ClickAsync("#replay-one");
        seen.Add(await page.ContentAsync());

        Assert.DoesNotContain(browserConsole, m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));

        // The pages were about this delivery: a page that shows nothing would pass the next check for nothing.
        Assert.Contains(seen, html => html.Contains(dead.ToString(), StringComparison.Ordinal));
        Assert.All(seen, html =>
        {
            Assert.DoesNotContain(Marker, html, StringComparison.Ordinal);
            Assert.DoesNotContain(delivery.Signature, html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(TestGateway.Secret, html, StringComparison.Ordinal);
        });
    }
}

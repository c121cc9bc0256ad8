using Axitech.Gateway.Commands;

return await GatewayCommandLine.InvokeAsync(args).ConfigureAwait(false);

function S = dlarrExportLearnables(net, filename)
%DLARREXPORTLEARNABLES Write a network's layers and learnables to a .mat file dlarr reads.
%
%   Syntax
%
%     dlarrExportLearnables(net, filename)
%     S = dlarrExportLearnables(net, filename)
%     S = dlarrExportLearnables(net)
%
%   Description
%
%   dlarrExportLearnables(net, filename) writes the layers of net, with their
%   properties and learnable parameters, to the MAT-file filename as plain MATLAB
%   structs (no MATLAB objects), in the layout that the Python library dlarr reads:
%   in Python, net = dl.load(filename)["net"] gives a dlarr SeriesNetwork or
%   dlnetwork with the same layers, learnables and classes.  The file holds one
%   variable, net, and is written with save(filename, 'net', '-v7').
%
%   S = dlarrExportLearnables(net, filename) also returns the struct written.
%   S = dlarrExportLearnables(net) returns it without writing a file.
%
%   Input arguments
%
%     net      - SeriesNetwork, DAGNetwork whose layers form a chain, dlnetwork
%                whose layers form a chain, LayerGraph of a chain, or Layer array.
%                A network is written as a struct with dlarrClass 'SeriesNetwork'
%                (SeriesNetwork, DAGNetwork) or 'dlnetwork', and fields Layers
%                (N-by-1 cell of layer structs), Initialized, DataType and State;
%                a Layer array or LayerGraph as a 1-by-N cell of layer structs
%                (dl.load returns a list of layers).
%                Instead of MATLAB objects (for example in Octave, which has no
%                Deep Learning Toolbox), net may be a struct with a field Layers
%                (a cell array of layer stand-ins) and optional fields Class
%                ('SeriesNetwork', 'DAGNetwork' or 'dlnetwork'; by default
%                'SeriesNetwork' when the last layer is an output layer, else
%                'dlnetwork') and Initialized; or a cell array of layer stand-ins
%                (a layer array).  A layer stand-in is a struct with a field Class
%                (MATLAB's class name, 'nnet.cnn.layer.LSTMLayer', or dlarr's,
%                'LSTMLayer') and one field per property, for example
%                struct('Class', 'nnet.cnn.layer.LSTMLayer', 'Name', 'lstm',
%                'NumHiddenUnits', 4, 'InputWeights', W, ...).
%     filename - Name of the MAT-file, character vector or string scalar.
%
%   Output arguments
%
%     S        - The value written as the variable net.
%
%   Layers and properties
%
%   The supported layers are sequenceInputLayer, lstmLayer, bilstmLayer,
%   gruLayer, fullyConnectedLayer, softmaxLayer, dropoutLayer, reluLayer,
%   tanhLayer, sigmoidLayer, classificationLayer and regressionLayer; any other
%   layer is an error naming it.  Each layer struct has a field dlarrClass (dlarr's
%   class name, 'LSTMLayer', ...) and then one field per property dlarr has, with
%   MATLAB's property names.  Properties that dlarr does not have (NumInputs,
%   ...) are left out (NormalizationDimension 'channel' and 'all' are written as
%   'auto', the statistics being per-channel vectors); a property a layer stand-in lacks
%   takes dlarr's default (MATLAB's), except NumHiddenUnits, OutputSize of a fully
%   connected layer and InputSize of a sequence input layer, which are required.
%   Values are written as follows:
%     - learnables and states (InputWeights, Weights, Bias, HiddenState, ...):
%       numeric matrices of their class (dlarray data extracted, gpuArray data
%       gathered), [] when empty;
%     - the statistics of sequenceInputLayer (Mean, StandardDeviation, Min, Max):
%       as they are; a scalar (NormalizationDimension 'all') is repeated into an
%       InputSize-by-1 vector, which normalizes the same way;
%     - Classes of a classification layer: an N-by-1 cell of character vectors in
%       the order of the classes ('auto' stays 'auto');
%     - learn rate and L2 factors: double row vectors (one value per gate when
%       given per gate); ClassWeights: 'none' or a double row vector;
%     - strings: character vectors; 'auto' stays 'auto';
%     - initializers given as function handles: dlarr's default name (for example
%       'glorot'), with a warning, since a MAT-file for dlarr holds no code.  Only
%       the initialization of empty learnables depends on them.
%   A sequence input layer with a function handle Normalization, image or
%   multi-dimensional input sizes, and recurrent layers with HasStateInputs or
%   HasStateOutputs are errors: dlarr has no counterpart.  The network's State is
%   written empty: a dlarr network starts from the layers' HiddenState and
%   CellState (zeros when empty), as after resetState.
%
%   Example
%
%     % In MATLAB, after training:
%     net = trainNetwork(XTrain, YTrain, layers, options);
%     dlarrExportLearnables(net, "net.mat");
%     % In Python:
%     %   import dlarr as dl
%     %   net = dl.load("net.mat")["net"]
%     %   YPred = dl.classify(net, XTest)
%
%     % With a layer stand-in (no Deep Learning Toolbox needed):
%     fc = struct('Class', 'nnet.cnn.layer.FullyConnectedLayer', 'Name', 'fc', ...
%                 'OutputSize', 2, 'Weights', single(ones(2, 3)), ...
%                 'Bias', single(zeros(2, 1)));
%     S = dlarrExportLearnables({fc});
%
%   See also dlarrImportLearnables, save, load, trainNetwork, dlnetwork.

narginchk(1, 2);
[layers, kind, initialized] = networkParts(net);
n = numel(layers);
structs = cell(n, 1);
for i = 1:n
    structs{i} = dlarrLayerStruct(layers{i}, i);
end
if isempty(kind)
    out = reshape(structs, 1, n);
else
    out = struct();
    out.dlarrClass = kind;
    out.Layers = structs;
    out.Initialized = logical(initialized);
    out.DataType = learnablesClass(structs);
    out.State = struct('Layer', {cell(0, 1)}, 'Parameter', {cell(0, 1)}, ...
                       'Value', {cell(0, 1)});
end
if nargin == 2
    if isa(filename, 'string') && isscalar(filename)
        filename = char(filename);
    end
    if ~ischar(filename) || isempty(filename) || size(filename, 1) ~= 1
        error('dlarr:export:filename', ...
              'dlarrExportLearnables: filename must be a character vector or string scalar.');
    end
    net = out; %#ok<NASGU> the variable saved
    save(filename, 'net', '-v7');
end
if nargout > 0 || nargin == 1
    S = out;
end
end

% ---------------------------------------------------------------------------
function [layers, kind, initialized] = networkParts(net)
% The layers of net as a cell array, the dlarrClass of the network ('' for a
% layer array) and whether it is initialized.
initialized = true;
if isstruct(net) && isscalar(net) && isfield(net, 'Layers')
    layers = asCell(net.Layers);
    if isfield(net, 'Class')
        cls = char(net.Class);
    elseif ~isempty(layers) && isOutputLayer(layers{end})
        cls = 'SeriesNetwork';
    else
        cls = 'dlnetwork';
    end
    switch cls
        case {'SeriesNetwork', 'DAGNetwork'}
            kind = 'SeriesNetwork';
        case 'dlnetwork'
            kind = 'dlnetwork';
            if isfield(net, 'Initialized')
                initialized = logical(net.Initialized);
            else
                initialized = allLearnablesSet(layers);
            end
        otherwise
            error('dlarr:export:network', ['dlarrExportLearnables: the Class of a network ' ...
                  'stand-in must be ''SeriesNetwork'', ''DAGNetwork'' or ''dlnetwork'', not ''%s''.'], cls);
    end
elseif iscell(net) || (isstruct(net) && isfield(net, 'Class'))
    layers = asCell(net);
    kind = '';
elseif isa(net, 'SeriesNetwork')
    layers = asCell(net.Layers);
    kind = 'SeriesNetwork';
elseif isa(net, 'DAGNetwork')
    layers = asCell(net.Layers);
    checkChain(layers, net.Connections, 'DAGNetwork');
    kind = 'SeriesNetwork';
elseif isa(net, 'dlnetwork')
    layers = asCell(net.Layers);
    checkChain(layers, net.Connections, 'dlnetwork');
    kind = 'dlnetwork';
    initialized = net.Initialized;
elseif isa(net, 'nnet.cnn.LayerGraph')
    layers = asCell(net.Layers);
    checkChain(layers, net.Connections, 'LayerGraph');
    kind = '';
elseif isa(net, 'nnet.cnn.layer.Layer')
    layers = asCell(net);
    kind = '';
else
    error('dlarr:export:network', ['dlarrExportLearnables: net must be a SeriesNetwork, ' ...
          'DAGNetwork, dlnetwork, LayerGraph, Layer array, or a struct stand-in; it is a %s.'], ...
          class(net));
end
if isempty(layers)
    error('dlarr:export:network', 'dlarrExportLearnables: net has no layers.');
end
end

function c = asCell(layers)
% A cell array (column) of the layers of a Layer array, cell array or struct.
if iscell(layers)
    c = reshape(layers, [], 1);
else
    c = cell(numel(layers), 1);
    for i = 1:numel(layers)
        c{i} = layers(i);
    end
end
end

function checkChain(layers, connections, what)
% Errors unless each connection goes from layer k to layer k+1, once for each k.
n = numel(layers);
names = cell(n, 1);
for i = 1:n
    names{i} = char(layers{i}.Name);
end
src = cellstr(connections.Source);
dst = cellstr(connections.Destination);
seen = false(n, 1);
ok = numel(src) == n - 1;
for k = 1:numel(src)
    si = find(strcmp(names, portless(src{k})));
    di = find(strcmp(names, portless(dst{k})));
    ok = ok && isscalar(si) && isscalar(di) && di == si + 1 && ~seen(si);
    if isscalar(si)
        seen(si) = true;
    end
end
if ~ok
    error('dlarr:export:notChain', ['dlarrExportLearnables: the layers of this %s do not ' ...
          'form a chain (each layer connected to the next, in the order of Layers); dlarr ' ...
          'networks are chains.'], what);
end
end

function name = portless(name)
% 'lstm/out' -> 'lstm'.
k = find(name == '/', 1);
if ~isempty(k)
    name = name(1:k - 1);
end
end

function tf = isOutputLayer(L)
cls = dlarrClassOf(L, 0, false);
tf = any(strcmp(cls, {'ClassificationOutputLayer', 'RegressionOutputLayer'}));
end

function tf = allLearnablesSet(layers)
tf = true;
for i = 1:numel(layers)
    for p = {'InputWeights', 'RecurrentWeights', 'Weights', 'Bias'}
        if hasProperty(layers{i}, p{1}) && isempty(layers{i}.(p{1}))
            tf = false;
        end
    end
end
end

function cls = learnablesClass(structs)
% 'single' or 'double': the class of the first learnable ('single' when none).
cls = 'single';
for i = 1:numel(structs)
    for p = {'InputWeights', 'Weights'}
        if isfield(structs{i}, p{1}) && ~isempty(structs{i}.(p{1}))
            cls = class(structs{i}.(p{1}));
            return
        end
    end
end
end

% ---------------------------------------------------------------------------
function S = dlarrLayerStruct(L, index)
% The layer struct of layer L (a MATLAB layer object or a struct stand-in with a
% field Class): dlarrClass, then dlarr's properties in dlarr's order.
cls = dlarrClassOf(L, index, true);
name = '';
if hasProperty(L, 'Name')
    name = char(L.Name);
end
where = sprintf('layer %d (''%s'', %s)', index, name, cls);
checkUnsupportedOptions(L, where);
props = layerProperties(cls);
S = struct('dlarrClass', cls);
for k = 1:size(props, 1)
    p = props{k, 1};
    if hasProperty(L, p)
        v = L.(p);
    elseif ischar(props{k, 2}) && strcmp(props{k, 2}, '<required>')
        error('dlarr:export:missingProperty', ...
              'dlarrExportLearnables: %s has no property %s, which dlarr needs.', where, p);
    else
        v = props{k, 2};
    end
    S.(p) = propertyValue(p, v, props{k, 2}, where);
end
if strcmp(cls, 'SequenceInputLayer')
    S = expandStatistics(S, where);
    if any(strcmp(S.NormalizationDimension, {'channel', 'all'}))
        S.NormalizationDimension = 'auto';     % per-channel vectors now (expandStatistics)
    end
end
end

function cls = dlarrClassOf(L, index, strict)
% dlarr's class name of layer L ('' when unsupported and not strict).
if isstruct(L)
    if ~isfield(L, 'Class')
        error('dlarr:export:layer', ['dlarrExportLearnables: layer %d is a struct without ' ...
              'a field Class (the layer''s class name, such as ''nnet.cnn.layer.LSTMLayer'').'], index);
    end
    matlabClass = char(L.Class);
else
    matlabClass = class(L);
end
short = matlabClass;
dots = find(short == '.');
if ~isempty(dots)
    short = short(dots(end) + 1:end);
end
known = {'SequenceInputLayer', 'LSTMLayer', 'BiLSTMLayer', 'GRULayer', ...
         'FullyConnectedLayer', 'SoftmaxLayer', 'DropoutLayer', 'ReLULayer', ...
         'TanhLayer', 'SigmoidLayer', 'ClassificationOutputLayer', 'RegressionOutputLayer'};
ok = any(strcmp(short, known)) && (isempty(dots) || ...
     strcmp(matlabClass(1:dots(end) - 1), 'nnet.cnn.layer'));
if ok
    cls = short;
elseif strict
    name = '';
    if hasProperty(L, 'Name')
        name = char(L.Name);
    end
    error('dlarr:export:unsupportedLayer', ['dlarrExportLearnables: layer %d (''%s'') is a ' ...
          '%s, which dlarr does not have.  Supported: %s.'], index, name, matlabClass, ...
          strjoin(strcat('nnet.cnn.layer.', known), ', '));
else
    cls = '';
end
end

function tf = hasProperty(L, p)
if isstruct(L)
    tf = isfield(L, p);
else
    tf = isprop(L, p);
end
end

function checkUnsupportedOptions(L, where)
% MATLAB options that change what a layer computes and that dlarr does not have.
for p = {'HasStateInputs', 'HasStateOutputs'}
    if hasProperty(L, p{1}) && L.(p{1})
        error('dlarr:export:unsupportedOption', ['dlarrExportLearnables: %s has %s true; ' ...
              'it writes chains of layers, whose recurrent layers have no state inputs ' ...
              'or outputs (build a graph with state ports in dlarr).'], where, p{1});
    end
end
if hasProperty(L, 'Normalization') && isa(L.Normalization, 'function_handle')
    error('dlarr:export:unsupportedOption', ['dlarrExportLearnables: %s has a function ' ...
          'handle Normalization; a MAT-file for dlarr holds no code.  Normalize the data ' ...
          'before the network, or use one of ''none'', ''zerocenter'', ''zscore'', ' ...
          '''rescale-symmetric'', ''rescale-zero-one''.'], where);
end
end

function props = layerProperties(cls)
% dlarr's properties of class cls, in dlarr's order, with dlarr's defaults as
% MATLAB values ('<required>': no default).
req = '<required>';
factors = {'InputWeightsLearnRateFactor', 1; 'RecurrentWeightsLearnRateFactor', 1; ...
           'BiasLearnRateFactor', 1; 'InputWeightsL2Factor', 1; ...
           'RecurrentWeightsL2Factor', 1; 'BiasL2Factor', 0};
switch cls
    case {'LSTMLayer', 'BiLSTMLayer', 'GRULayer'}
        head = {'Name', ''; 'InputSize', 'auto'; 'NumHiddenUnits', req; ...
                'OutputMode', 'sequence'};
        if strcmp(cls, 'GRULayer')
            head = [head; {'ResetGateMode', 'after-multiplication'}];
            biasInit = 'zeros';
            tail = cell(0, 2);
        else
            biasInit = 'unit-forget-gate';
            tail = {'CellState', []};
        end
        if ~strcmp(cls, 'BiLSTMLayer')      % dlarr's lstmLayer and gruLayer have the flags
            head = [head; {'HasStateInputs', false; 'HasStateOutputs', false}];
        end
        props = [head; {'StateActivationFunction', 'tanh'; ...
                 'GateActivationFunction', 'sigmoid'; 'HiddenState', []; ...
                 'InputWeightsInitializer', 'glorot'; ...
                 'RecurrentWeightsInitializer', 'orthogonal'; ...
                 'BiasInitializer', biasInit; 'InputWeights', []; ...
                 'RecurrentWeights', []; 'Bias', []}; factors; tail];
    case 'FullyConnectedLayer'
        props = {'Name', ''; 'InputSize', 'auto'; 'OutputSize', req; ...
                 'WeightsInitializer', 'glorot'; 'BiasInitializer', 'zeros'; ...
                 'Weights', []; 'Bias', []; 'WeightLearnRateFactor', 1; ...
                 'BiasLearnRateFactor', 1; 'WeightL2Factor', 1; 'BiasL2Factor', 0};
    case 'SequenceInputLayer'
        props = {'Name', ''; 'InputSize', req; 'MinLength', 1; 'Normalization', 'none'; ...
                 'NormalizationDimension', 'auto'; 'Mean', []; 'StandardDeviation', []; ...
                 'Min', []; 'Max', []};
    case 'DropoutLayer'
        props = {'Name', ''; 'Probability', 0.5};
    case 'ClassificationOutputLayer'
        props = {'Name', ''; 'Classes', 'auto'; 'ClassWeights', 'none'; ...
                 'OutputSize', 'auto'; 'LossFunction', 'crossentropyex'};
    case 'RegressionOutputLayer'
        props = {'Name', ''; 'ResponseNames', cell(0, 1); ...
                 'LossFunction', 'mean-squared-error'};
    otherwise          % SoftmaxLayer, ReLULayer, TanhLayer, SigmoidLayer
        props = {'Name', ''};
end
end

function v = propertyValue(p, v, default, where)
% Property p's value v as the layout writes it.
if hasSuffix(p, 'Initializer')
    if isa(v, 'string') && isscalar(v)
        v = char(v);
    end
    if ~ischar(v)
        warning('dlarr:export:initializer', ['dlarrExportLearnables: %s: %s is not a ' ...
                'name (a function handle or object); written as dlarr''s default ''%s'' ' ...
                '(a MAT-file for dlarr holds no code).'], where, p, default);
        v = default;
    end
elseif hasSuffix(p, 'Factor')
    checkNumeric(v, p, where);
    v = reshape(double(v), 1, []);
elseif any(strcmp(p, {'InputSize', 'OutputSize', 'NumHiddenUnits', 'MinLength', ...
                      'Probability'}))
    v = scalarOrAuto(v, p, where);
elseif strcmp(p, 'Classes')
    v = classNames(v, where);
elseif strcmp(p, 'ResponseNames')
    v = textColumn(v, p, where);
elseif strcmp(p, 'ClassWeights')
    if isa(v, 'string') && isscalar(v)
        v = char(v);
    end
    if ~ischar(v)
        checkNumeric(v, p, where);
        v = reshape(double(v), 1, []);
    end
elseif any(strcmp(p, {'InputWeights', 'RecurrentWeights', 'Bias', 'Weights', ...
                      'HiddenState', 'CellState', 'Mean', 'StandardDeviation', 'Min', 'Max'}))
    v = plainArray(v, p, where);
elseif any(strcmp(p, {'HasStateInputs', 'HasStateOutputs'}))
    v = logical(v);         % false: checkUnsupportedOptions refused true
else                        % Name, OutputMode, activations, modes, LossFunction
    if isa(v, 'string') && isscalar(v)
        v = char(v);
    end
    if ~ischar(v)
        error('dlarr:export:property', ['dlarrExportLearnables: %s: %s must be a ' ...
              'character vector or string; it is a %s.'], where, p, class(v));
    end
end
end

function tf = hasSuffix(s, suffix)
tf = numel(s) >= numel(suffix) && strcmp(s(end - numel(suffix) + 1:end), suffix);
end

function checkNumeric(v, p, where)
if ~(isnumeric(v) || islogical(v)) || isempty(v)
    error('dlarr:export:property', ['dlarrExportLearnables: %s: %s must be numeric and ' ...
          'not empty; it is a %s of size %s.'], where, p, class(v), mat2str(size(v)));
end
end

function v = scalarOrAuto(v, p, where)
if isa(v, 'string') && isscalar(v)
    v = char(v);
end
if ischar(v)
    return                  % 'auto'
end
if ~isnumeric(v) || ~isscalar(v)
    error('dlarr:export:property', ['dlarrExportLearnables: %s: %s must be a number or ' ...
          '''auto''; it is a %s of size %s (dlarr has vector sequences only).'], ...
          where, p, class(v), mat2str(size(v)));
end
v = double(v);
end

function v = classNames(v, where)
% Classes: 'auto', or an N-by-1 cell of character vectors in the classes' order.
if ischar(v) || (isa(v, 'string') && isscalar(v) && strcmp(v, 'auto'))
    v = char(v);
    return
end
if isa(v, 'categorical') || isa(v, 'string')
    v = cellstr(v(:));
end
if ~iscellstr(v)
    error('dlarr:export:property', ['dlarrExportLearnables: %s: Classes must be ''auto'', ' ...
          'a categorical, a string array or a cell array of character vectors; it is a %s.'], ...
          where, class(v));
end
v = reshape(v, [], 1);
end

function v = textColumn(v, p, where)
% ResponseNames: an N-by-1 cell of character vectors (0-by-1 when there are none).
if isa(v, 'string')
    v = cellstr(v(:));
elseif ischar(v) && ~isempty(v)
    v = {v};
elseif isempty(v)
    v = {};
end
if ~iscellstr(v)
    error('dlarr:export:property', ['dlarrExportLearnables: %s: %s must be a string array ' ...
          'or a cell array of character vectors; it is a %s.'], where, p, class(v));
end
v = reshape(v, [], 1);
end

function v = plainArray(v, p, where)
% A learnable, state or statistic as a plain numeric matrix ([] when empty).
if isa(v, 'dlarray')
    v = extractdata(v);
end
if isa(v, 'gpuArray')
    v = gather(v);
end
if isempty(v)
    v = [];
    return
end
if ~isnumeric(v) || ~isreal(v)
    error('dlarr:export:property', ['dlarrExportLearnables: %s: %s must be a real numeric ' ...
          'array; it is a %s.'], where, p, class(v));
end
end

function S = expandStatistics(S, where)
% A scalar statistic (NormalizationDimension 'all') as an InputSize-by-1 vector.
for p = {'Mean', 'StandardDeviation', 'Min', 'Max'}
    v = S.(p{1});
    if isscalar(v)
        S.(p{1}) = repmat(v, S.InputSize, 1);
    elseif ~isempty(v) && numel(v) ~= S.InputSize
        error('dlarr:export:property', ['dlarrExportLearnables: %s: %s has %d elements; ' ...
              'dlarr needs one per channel (InputSize = %d) or a scalar.'], ...
              where, p{1}, numel(v), S.InputSize);
    end
end
end
